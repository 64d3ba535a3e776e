export const BUDGET_METRICS = [
  'tokens_day',
  'tokens_month',
  'cost_day',
  'cost_month',
  'prompts_day',
  'concurrent_sessions',
] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];

/** The Python port's default: a student may send 100 prompts a day unless a budget says otherwise. */
export const DEFAULT_STUDENT_PROMPTS_PER_DAY = '100';

/** `tenant`, `class:<id>`, `user:<id>` or `role:<admin|teacher|student>`. */
export const SCOPE_PATTERN =
  /^(tenant|class:cls_[0-9a-f]{12}[0-9A-Za-z]{14}|user:usr_[0-9a-f]{12}[0-9A-Za-z]{14}|role:(admin|teacher|student))$/;

export function errorCode(metric: BudgetMetric): string {
  return `budget_${metric}`;
}
