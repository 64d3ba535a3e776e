import type { Role } from '../../../core/auth/auth-context';
import { agentGuardrails, builtinRuleset } from '../../agent/agent.builtins';
import { configRuleset } from '../../config/config.merge';
import type { Config } from '../../config/config.schema';
import type { LayeredRuleset, PermissionLayer } from '../../permission/permission.layers';
import { fromConfig, fromLegacyTools, merge, type Ruleset } from '../../permission/permission.rules';

export interface PermissionLayersInput {
  agent: string;
  role: Role;
  platform?: Config;
  /** The rules the platform plugins' `config` hooks wrote, one document per plugin: they only narrow. */
  plugins?: Config[];
  school?: Config;
  /** One ruleset per class the user is a student of (class settings `permission`). */
  classes?: Ruleset[];
  project?: Config;
  session?: Ruleset;
}

/** A config document's own rules for this agent: `permission` (and legacy `tools`), then its `agent.<name>` entry. */
function documentRules(doc: Config | undefined, agent: string): Ruleset {
  if (!doc) return [];
  const entry = doc.agent?.[agent] ?? doc.mode?.[agent];
  return merge(configRuleset(doc), fromLegacyTools(entry?.tools), fromConfig(entry?.permission));
}

function roleRules(doc: Config | undefined, role: Role): Ruleset {
  return fromConfig(doc?.role_permission?.[role]);
}

/**
 * The permission of a step, as layers: platform → its plugins' (narrow-only) → school → classes → project → session
 * (narrow-only), then the locked ones (role rules of the platform and the school, the agent's guardrails). See
 * docs/security.md, "Permission layers".
 */
export function permissionLayers(input: PermissionLayersInput): LayeredRuleset {
  const layers: PermissionLayer[] = [
    { name: 'platform', rules: documentRules(input.platform, input.agent) },
    ...(input.plugins ?? []).map((doc): PermissionLayer => ({
      name: 'plugin',
      rules: documentRules(doc, input.agent),
      narrowOnly: true,
    })),
    { name: 'school', rules: documentRules(input.school, input.agent) },
    ...(input.classes ?? []).map((rules): PermissionLayer => ({ name: 'class', rules })),
    { name: 'project', rules: documentRules(input.project, input.agent) },
    { name: 'session', rules: input.session ?? [], narrowOnly: true },
    { name: 'role', rules: roleRules(input.platform, input.role), locked: true },
    { name: 'role', rules: roleRules(input.school, input.role), locked: true },
    { name: 'agent', rules: agentGuardrails(input.agent), locked: true },
  ];
  return { base: builtinRuleset(input.agent), layers: layers.filter((l) => l.rules.length > 0) };
}
