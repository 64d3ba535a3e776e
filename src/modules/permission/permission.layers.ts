// Layers never widen. Within one layer OpenCode's order holds (the last matching rule wins); across layers the
// strictest opinion wins (deny > ask > allow), so a lower layer can add an ask or a deny to what an upper one
// allows and never re-open what an upper one asks about or denies. The agent's built-in rules are the fallback
// where no layer has an opinion, as OpenCode's defaults are under user config.
import {
  evaluate,
  matchingRules,
  permissionForTool,
  wildcardMatch,
  type AskOutcome,
  type PermissionAction,
  type PermissionRule,
  type Ruleset,
} from './permission.rules';

export type LayerName = 'platform' | 'plugin' | 'school' | 'class' | 'project' | 'session' | 'role' | 'agent';

export interface PermissionLayer {
  name: LayerName;
  rules: Ruleset;
  /** The layer's allow rules are no opinion: it can only add asks and denies (a session's own rules). */
  narrowOnly?: boolean;
  /** An "always" approval cannot lift this layer's asks (role rules, agent guardrails). */
  locked?: boolean;
}

export interface LayeredRuleset {
  /** OpenCode's defaults plus the agent's built-in rules: they decide only where no layer has an opinion. */
  base: Ruleset;
  /** Upper layers first: platform, its plugins', school, class, project, session, then the locked ones. */
  layers: PermissionLayer[];
}

const RANK: Record<PermissionAction, number> = { allow: 0, ask: 1, deny: 2 };

export interface LayeredDecision {
  action: PermissionAction;
  /** The deciding rule and its layer (`base` for the agent's own rules); none when nothing matched. */
  rule?: PermissionRule;
  layer?: LayerName | 'base' | 'approval';
}

function lastMatch(rules: Ruleset, permission: string, pattern: string): PermissionRule | undefined {
  return rules.findLast((r) => wildcardMatch(permission, r.permission) && wildcardMatch(pattern, r.pattern));
}

function opinion(layer: PermissionLayer, permission: string, pattern: string): PermissionRule | undefined {
  const rule = lastMatch(layer.rules, permission, pattern);
  return rule && layer.narrowOnly && rule.action === 'allow' ? undefined : rule;
}

function stricter(a: LayeredDecision, b: LayeredDecision): LayeredDecision {
  return RANK[b.action] > RANK[a.action] ? b : a;
}

/** The decision for one permission and pattern; `approvals` ("always" replies) lift asks of unlocked layers only. */
export function decide(
  permission: string,
  pattern: string,
  ruleset: LayeredRuleset,
  approvals: Ruleset = [],
): LayeredDecision {
  let open: LayeredDecision | undefined;
  for (const layer of ruleset.layers.filter((l) => !l.locked)) {
    const rule = opinion(layer, permission, pattern);
    if (rule)
      open = open
        ? stricter(open, { action: rule.action, rule, layer: layer.name })
        : { action: rule.action, rule, layer: layer.name };
  }
  if (!open) {
    const base = evaluate(permission, pattern, ruleset.base);
    open = { action: base.action, rule: base.rule, layer: base.rule ? 'base' : undefined };
  }
  if (open.action === 'ask') {
    const approved = lastMatch(approvals, permission, pattern);
    if (approved?.action === 'allow') open = { action: 'allow', rule: approved, layer: 'approval' };
  }
  let decision = open;
  for (const layer of ruleset.layers.filter((l) => l.locked)) {
    const rule = opinion(layer, permission, pattern);
    if (rule) decision = stricter(decision, { action: rule.action, rule, layer: layer.name });
  }
  return decision;
}

/** `evaluateAsk` over layers: any denied pattern refuses the call, all allowed proceeds, the rest is asked. */
export function decideAsk(
  permission: string,
  patterns: string[],
  ruleset: LayeredRuleset,
  approvals: Ruleset = [],
): AskOutcome {
  const pending: string[] = [];
  for (const pattern of patterns) {
    const { action } = decide(permission, pattern, ruleset, approvals);
    if (action === 'deny') {
      const rules = matchingRules(permission, pattern, ruleset.base, ...ruleset.layers.map((l) => l.rules)).filter(
        (r) => r.action === 'deny',
      );
      return { outcome: 'deny', pattern, rules };
    }
    if (action === 'ask') pending.push(pattern);
  }
  return pending.length ? { outcome: 'ask', pending } : { outcome: 'allow' };
}

function blanketDeny(rules: Ruleset, permission: string): boolean | undefined {
  const last = rules.findLast((r) => wildcardMatch(permission, r.permission));
  return last ? last.pattern === '*' && last.action === 'deny' : undefined;
}

/**
 * Tools to hide from the model: a layer (or, where no layer says anything about the tool, the agent's own rules)
 * whose last rule for it is a blanket deny. A deny on a narrower pattern keeps the tool visible.
 */
export function hiddenTools(toolIds: Iterable<string>, ruleset: LayeredRuleset): Set<string> {
  const hidden = new Set<string>();
  for (const toolId of toolIds) {
    const permission = permissionForTool(toolId);
    let spoken = false;
    for (const layer of ruleset.layers) {
      const deny = blanketDeny(layer.rules, permission);
      if (deny) hidden.add(toolId);
      if (deny !== undefined && !layer.locked && !layer.narrowOnly) spoken = true;
    }
    if (!spoken && blanketDeny(ruleset.base, permission)) hidden.add(toolId);
  }
  return hidden;
}

/** All the rules as one list, upper layers first (what `GET /session/{id}` style views and logs show). */
export function flatten(ruleset: LayeredRuleset): Ruleset {
  return [...ruleset.base, ...ruleset.layers.flatMap((l) => l.rules)];
}
