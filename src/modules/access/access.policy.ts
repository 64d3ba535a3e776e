// Allow-lists of agents and models, per role (platform and school config `role_access`) and per class (the
// class's settings, for its students). Every list in force must allow a choice: a lower list narrows, never
// widens. Entries are names or `provider/model` strings with `*` wildcards.
import { wildcardMatch, type Ruleset } from '../permission/permission.rules';

export interface AccessList {
  /** Where the list comes from, for error messages: `platform`, `school`, `class <name>`. */
  source: string;
  agents?: string[];
  models?: string[];
}

export interface UserAccess {
  lists: AccessList[];
  /** Permission rules of the user's classes (class settings `permission`), one ruleset per class. */
  classRules: Ruleset[];
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
    .filter((m) => {
      const slash = m.indexOf('/');
      return !modelRefusedBy(access, { providerID: m.slice(0, slash), modelID: m.slice(slash + 1) });
    });
}

export function restricted(access: UserAccess): boolean {
  return access.lists.some((l) => l.agents || l.models);
}

interface ProviderLike {
  id: string;
  models: Record<string, unknown>;
}

/** A provider listing cut to the models the user may pick; providers left without models go, defaults follow. */
export function filterProviders<P extends ProviderLike>(
  access: UserAccess,
  providers: P[],
  defaults: Record<string, string>,
): { providers: P[]; default: Record<string, string> } {
  if (!access.lists.some((l) => l.models)) return { providers, default: defaults };
  const kept = providers
    .map((p) => ({
      ...p,
      models: Object.fromEntries(
        Object.entries(p.models).filter(([id]) => !modelRefusedBy(access, { providerID: p.id, modelID: id })),
      ),
    }))
    .filter((p) => Object.keys(p.models).length > 0);
  const byId = new Map(kept.map((p) => [p.id, p]));
  const chosen: Record<string, string> = {};
  for (const [id, p] of byId)
    chosen[id] = defaults[id] && defaults[id] in p.models ? defaults[id] : Object.keys(p.models)[0];
  return { providers: kept, default: chosen };
}
