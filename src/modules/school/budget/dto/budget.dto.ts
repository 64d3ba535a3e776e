import { IsIn, IsString, Matches } from 'class-validator';
import { BUDGET_METRICS, SCOPE_PATTERN, type BudgetMetric } from '../budget.metrics';

export class SetBudgetDto {
  /** `tenant`, `class:<id>`, `user:<id>` or `role:<admin|teacher|student>` (the default for that role). */
  @IsString()
  @Matches(SCOPE_PATTERN, { message: 'scope must be tenant, class:<id>, user:<id> or role:<admin|teacher|student>' })
  scope!: string;
  @IsIn(BUDGET_METRICS) metric!: BudgetMetric;
  /** A non-negative decimal: dollars for cost_*, a whole number otherwise. */
  @IsString()
  @Matches(/^\d{1,12}(\.\d{1,12})?$/, { message: 'limit must be a non-negative decimal string' })
  limit!: string;
}

export class BudgetDto {
  id!: string;
  scope!: string;
  metric!: string;
  /** Exact decimal. */
  limit!: string;
  /** Unix milliseconds. */
  updated!: number;
}
