import { isDeepStrictEqual } from 'node:util';
import type { Config } from '../config/config.schema';

/**
 * What a plugin's `config` hook may change in the platform's config, applied once at load:
 * - `command` and `instructions` are taken as the plugin left them; agents (`agent`, its deprecated alias `mode`)
 *   may be added or changed (a prompt, a model), never removed, and their `permission` and `tools` stay the
 *   platform's;
 * - every permission it writes (`permission`, `tools`, an agent's `permission`/`tools`) goes to a layer of its own
 *   under the platform's, which can only narrow (its allow rules are no opinion), so a plugin never lifts a rule of
 *   the platform nor opens what the agents' built-in rules refuse;
 * - any other key it changes (providers, MCP servers, sharing, role rules and lists, `plugin`, ...) is ignored and
 *   named in `ignored`.
 */
export interface PluginConfigChanges {
  /** The platform config with the plugin's accepted changes. */
  config: Config;
  /** The plugin's permission layer (narrow-only), or undefined when it wrote no permission. */
  layer?: Config;
  /** Top-level keys the plugin changed that are not applied. */
  ignored: string[];
}

const TAKEN = new Set(['command', 'instructions']);
const AGENTS = new Set(['agent', 'mode']);
const RULES = new Set(['permission', 'tools']);

type AgentEntry = NonNullable<Config['agent']>[string];
type Agents = Record<string, AgentEntry>;

function withoutRules(entry: AgentEntry): AgentEntry {
  const rest: Record<string, unknown> = { ...entry };
  delete rest.permission;
  delete rest.tools;
  return rest as AgentEntry;
}

/**
 * The agents as the plugin left them, their rules as the platform wrote them (an agent the plugin removed stays as
 * the platform wrote it); and the rules the plugin wrote per agent.
 */
function splitAgents(before: Agents | undefined, after: Agents | undefined): { agents: Agents; rules: Agents } {
  const agents: Agents = { ...before };
  const rules: Agents = {};
  for (const [name, entry] of Object.entries(after ?? {})) {
    const was = before?.[name];
    agents[name] = withoutRules(entry);
    if (was?.permission) agents[name].permission = was.permission;
    if (was?.tools) agents[name].tools = was.tools;
    const wrote: AgentEntry = {};
    if (entry.permission && !isDeepStrictEqual(entry.permission, was?.permission)) wrote.permission = entry.permission;
    if (entry.tools && !isDeepStrictEqual(entry.tools, was?.tools)) wrote.tools = entry.tools;
    if (Object.keys(wrote).length) rules[name] = wrote;
  }
  return { agents, rules };
}

/** Sorts what one plugin's `config` hook did to `before` (the platform config it was handed) into the three kinds. */
export function acceptPluginConfig(before: Config, after: Config): PluginConfigChanges {
  const config: Record<string, unknown> = { ...before };
  const layer: Record<string, unknown> = {};
  const ignored: string[] = [];
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const was = (before as Record<string, unknown>)[key];
    const now = (after as Record<string, unknown>)[key];
    if (isDeepStrictEqual(was, now)) continue;
    if (TAKEN.has(key)) {
      if (now === undefined) delete config[key];
      else config[key] = now;
    } else if (AGENTS.has(key)) {
      const { agents, rules } = splitAgents(was as Agents | undefined, now as Agents | undefined);
      config[key] = agents;
      if (Object.keys(rules).length) layer[key] = rules;
    } else if (RULES.has(key)) {
      if (now !== undefined) layer[key] = now;
    } else ignored.push(key);
  }
  return { config: config as Config, ...(Object.keys(layer).length ? { layer: layer as Config } : {}), ignored };
}
