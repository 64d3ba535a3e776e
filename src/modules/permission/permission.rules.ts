// Permission rules as OpenCode evaluates them: an ordered list where the LAST matching rule wins, so
// callers express precedence purely by concatenation order (defaults first, the strongest layer last).
import { z } from 'zod';

export const permissionActionSchema = z.enum(['allow', 'ask', 'deny']);
export type PermissionAction = z.infer<typeof permissionActionSchema>;

export const permissionRuleSchema = z.object({
  permission: z.string(),
  pattern: z.string(),
  action: permissionActionSchema,
});
export type PermissionRule = z.infer<typeof permissionRuleSchema>;

export const rulesetSchema = z.array(permissionRuleSchema);
export type Ruleset = PermissionRule[];

/** Config form: one action for everything, or `key -> action | {pattern: action}` in declaration order. */
export type PermissionRuleConfig = PermissionAction | Record<string, PermissionAction>;
export type PermissionConfig = PermissionAction | Record<string, PermissionRuleConfig>;

/** Tools that all ask under the single `edit` permission. */
export const EDIT_TOOLS: readonly string[] = ['edit', 'write', 'apply_patch', 'multiedit', 'patch'];

export function permissionForTool(toolId: string): string {
  return EDIT_TOOLS.includes(toolId) ? 'edit' : toolId;
}

// Patterns come from project config that students can write, so matching must not be a regex: a pattern
// like `*a*a*a*a*b` would backtrack exponentially. This greedy matcher with one backtrack point is O(n·m).
function globMatch(text: string, pattern: string): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    // The star test comes first: a literal `*` in the text must not consume the pattern's wildcard.
    if (p < pattern.length && pattern[p] === '*') {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      t++;
      p++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Whole-string glob match: `*` any run (slashes included), `?` exactly one character. A trailing `" *"`
 * also matches without the arguments, so `git commit *` covers a bare `git commit`.
 */
export function wildcardMatch(text: string, pattern: string): boolean {
  if (pattern === '*') return true;
  // Windows-style separators on either side would otherwise never match forward-slash patterns.
  const t = text.replaceAll('\\', '/');
  const p = pattern.replaceAll('\\', '/');
  if (globMatch(t, p)) return true;
  return p.endsWith(' *') && globMatch(t, p.slice(0, -2));
}

export interface EvaluateResult {
  action: PermissionAction;
  /** The deciding rule; undefined when nothing matched and the `ask` default applied. */
  rule?: PermissionRule;
}

export function evaluate(permission: string, pattern: string, ...rulesets: Ruleset[]): EvaluateResult {
  for (let i = rulesets.length - 1; i >= 0; i--) {
    const rules = rulesets[i];
    for (let j = rules.length - 1; j >= 0; j--) {
      const rule = rules[j];
      if (wildcardMatch(permission, rule.permission) && wildcardMatch(pattern, rule.pattern)) {
        return { action: rule.action, rule };
      }
    }
  }
  return { action: 'ask' };
}

/** Every rule that matches, in order; used to show the model why a call was refused. */
export function matchingRules(permission: string, pattern: string, ...rulesets: Ruleset[]): Ruleset {
  return rulesets.flat().filter((r) => wildcardMatch(permission, r.permission) && wildcardMatch(pattern, r.pattern));
}

export function expandHome(pattern: string, home: string): string {
  const base = home.replace(/\/+$/, '');
  if (pattern === '~' || pattern === '$HOME') return base;
  if (pattern.startsWith('~/')) return base + pattern.slice(1);
  if (pattern.startsWith('$HOME/')) return base + pattern.slice(5);
  return pattern;
}

export interface FromConfigOptions {
  /** Home directory used to expand `~` and `$HOME`; left unexpanded when absent. */
  home?: string;
}

export function fromConfig(config: PermissionConfig | undefined, opts: FromConfigOptions = {}): Ruleset {
  if (config === undefined) return [];
  if (typeof config === 'string') return [{ permission: '*', pattern: '*', action: config }];
  const rules: Ruleset = [];
  for (const [permission, value] of Object.entries(config)) {
    if (typeof value === 'string') {
      rules.push({ permission, pattern: '*', action: value });
      continue;
    }
    for (const [pattern, action] of Object.entries(value)) {
      rules.push({ permission, pattern: opts.home ? expandHome(pattern, opts.home) : pattern, action });
    }
  }
  return rules;
}

export function merge(...rulesets: (Ruleset | undefined)[]): Ruleset {
  return rulesets.flatMap((r) => r ?? []);
}

/**
 * Tools to hide from the model: those whose last applicable rule is a blanket deny. A deny on a narrower
 * pattern keeps the tool visible, because other calls of it may still be allowed.
 */
export function disabledTools(toolIds: Iterable<string>, ruleset: Ruleset): Set<string> {
  const disabled = new Set<string>();
  for (const toolId of toolIds) {
    const permission = permissionForTool(toolId);
    const last = ruleset.findLast((r) => wildcardMatch(permission, r.permission));
    if (last && last.pattern === '*' && last.action === 'deny') disabled.add(toolId);
  }
  return disabled;
}

/** The deprecated `tools: {name: boolean}` map as rules; any edit-family tool maps to `edit`. */
export function fromLegacyTools(tools: Record<string, boolean> | undefined): Ruleset {
  if (!tools) return [];
  return Object.entries(tools).map(([tool, enabled]) => ({
    permission: permissionForTool(tool),
    pattern: '*',
    action: enabled ? 'allow' : 'deny',
  }));
}

export type AskOutcome =
  | { outcome: 'allow' }
  /** Patterns no rule allows yet; the user has to be asked about them. */
  | { outcome: 'ask'; pending: string[] }
  /** The first denied pattern and the rules that matched it, for PermissionDeniedError. */
  | { outcome: 'deny'; pattern: string; rules: Ruleset };

/**
 * The decision for one tool ask over all its patterns (e.g. every sub-command of a shell line): any
 * deny refuses the whole call, all allowed proceeds, anything else must be asked.
 */
export function evaluateAsk(permission: string, patterns: string[], ...rulesets: Ruleset[]): AskOutcome {
  const pending: string[] = [];
  for (const pattern of patterns) {
    const { action } = evaluate(permission, pattern, ...rulesets);
    if (action === 'deny') {
      const rules = matchingRules(permission, pattern, ...rulesets).filter((r) => r.action === 'deny');
      return { outcome: 'deny', pattern, rules };
    }
    if (action === 'ask') pending.push(pattern);
  }
  return pending.length ? { outcome: 'ask', pending } : { outcome: 'allow' };
}

/** Rules an "always" reply adds: allow each of the ask's `always` patterns from now on. */
export function approvalRules(permission: string, always: string[]): Ruleset {
  return always.map((pattern) => ({ permission, pattern, action: 'allow' as const }));
}
