// Access policies, per role (platform and school config `role_access`), per class (the class's settings, for its
// students) and per assignment (in a student's copy), upper first. Every list in force must allow a choice: a lower
// list narrows, never widens. Entries are names or `provider/model` strings with `*` wildcards. Defaults: the most
// specific list's that every list allows. The switch: one list with `allow_change: false` keeps the user on the
// defaults.
import type { AccessPolicy } from '../config/config.schema';
import { wildcardMatch, type Ruleset } from '../permission/permission.rules';

export interface AccessList extends AccessPolicy {
  /** Where the list comes from, for error messages: `platform`, `school`, `class <name>`, `assignment <title>`. */
  source: string;
}

export interface UserAccess {
  lists: AccessList[];
  /** Permission rules of the user's classes (class settings `permission`) and the tools policies turn off. */
  classRules: Ruleset[];
}

export interface ModelChoice {
  providerID: string;
  modelID: string;
}

export function parseModelRef(ref: string): ModelChoice {
  const slash = ref.indexOf('/');
  return { providerID: ref.slice(0, slash), modelID: ref.slice(slash + 1) };
}

export const sameModel = (a: ModelChoice, b: ModelChoice): boolean =>
  a.providerID === b.providerID && a.modelID === b.modelID;

/** The most specific default agent every list allows (a default a lower list refuses gives way to an upper one). */
export function policyDefaultAgent(access: UserAccess): string | undefined {
  return access.lists
    .map((l) => l.default_agent)
    .findLast((name): name is string => !!name && !agentRefusedBy(access, name));
}

export function policyDefaultModel(access: UserAccess): ModelChoice | undefined {
  const ref = access.lists
    .map((l) => l.default_model)
    .findLast((m): m is string => !!m && !modelRefusedBy(access, parseModelRef(m)));
  return ref ? parseModelRef(ref) : undefined;
}

/** The first list that keeps the user on the defaults (`allow_change: false`), if any. */
export function lockedBy(access: UserAccess): AccessList | undefined {
  return access.lists.find((l) => l.allow_change === false);
}

/**
 * The model used when the user names none: the policy's default, then the candidates (the agent's model, the
 * configured default) the lists allow, then the first concrete model they allow.
 */
export function defaultModelChoice(
  access: UserAccess,
  candidates: (ModelChoice | undefined)[],
): ModelChoice | undefined {
  const usable = [policyDefaultModel(access), ...candidates].find((m) => m && !modelRefusedBy(access, m));
  if (usable) return usable;
  const first = allowedModelChoices(access)[0];
  return first ? parseModelRef(first) : undefined;
}

export const OPEN_ACCESS: UserAccess = { lists: [], classRules: [] };

function matches(entries: string[], value: string): boolean {
  return entries.some((entry) => wildcardMatch(value, entry));
}

/** The first list that refuses the agent, or undefined when every list allows it. */
export function agentRefusedBy(access: UserAccess, agent: string): AccessList | undefined {
  return access.lists.find((l) => l.agents && !matches(l.agents, agent));
}

export function modelRefusedBy(
  access: UserAccess,
  model: { providerID: string; modelID: string },
): AccessList | undefined {
  const ref = `${model.providerID}/${model.modelID}`;
  return access.lists.find((l) => l.models && !matches(l.models, ref));
}

/** Concrete (wildcard-free) models every list allows, in the order of the last list that names models. */
export function allowedModelChoices(access: UserAccess): string[] {
  const named = access.lists.filter((l) => l.models).at(-1)?.models ?? [];
  return named
    .filter((m) => !m.includes('*') && !m.includes('?') && m.includes('/'))
    .filter((m) => !modelRefusedBy(access, parseModelRef(m)));
}

export function restricted(access: UserAccess): boolean {
  return access.lists.some((l) => l.agents || l.models);
}

interface ProviderLike {
  id: string;
  models: Record<string, unknown>;
}

/**
 * A provider listing cut to the models the user may pick (with `locked`, the default model alone); providers left
 * without models go; each provider's default is the policy's default model where it is that provider's.
 */
export function filterProviders<P extends ProviderLike>(
  access: UserAccess,
  providers: P[],
  defaults: Record<string, string>,
  choice: { model?: ModelChoice; locked?: boolean } = {},
): { providers: P[]; default: Record<string, string> } {
  if (!access.lists.some((l) => l.models) && !choice.model) return { providers, default: defaults };
  const keep = (providerID: string, modelID: string) =>
    !modelRefusedBy(access, { providerID, modelID }) &&
    (!choice.locked || !choice.model || sameModel(choice.model, { providerID, modelID }));
  const kept = providers
    .map((p) => ({ ...p, models: Object.fromEntries(Object.entries(p.models).filter(([id]) => keep(p.id, id))) }))
    .filter((p) => Object.keys(p.models).length > 0);
  const chosen: Record<string, string> = {};
  for (const p of kept) {
    const preferred = choice.model?.providerID === p.id ? choice.model.modelID : defaults[p.id];
    chosen[p.id] = preferred && preferred in p.models ? preferred : Object.keys(p.models)[0];
  }
  return { providers: kept, default: chosen };
}
