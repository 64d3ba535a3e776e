// Built-in agents in OpenCode's `Agent` shape, plus our `tutor`, and the resolution of config and custom
// (markdown) agents over them. Each agent's ruleset starts from the shared defaults so that a config
// entry only has to state what differs.
import { z } from 'zod';
import { ConfigInvalidError } from '../config/config.errors';
import { configIssues } from '../config/config.parse';
import { type AgentConfig, agentConfigSchema } from '../config/config.schema';
import {
  fromConfig,
  fromLegacyTools,
  merge,
  type PermissionConfig,
  type Ruleset,
  rulesetSchema,
} from '../permission/permission.rules';
import { COMPACTION_PROMPT } from './prompt/compaction.prompt';
import { EXPLORE_DESCRIPTION, EXPLORE_PROMPT } from './prompt/explore.prompt';
import { GENERAL_DESCRIPTION } from './prompt/general.prompt';
import { SUMMARY_PROMPT } from './prompt/summary.prompt';
import { TITLE_PROMPT } from './prompt/title.prompt';
import { TUTOR_DESCRIPTION, TUTOR_NOTES_DIR, TUTOR_PROMPT } from './prompt/tutor.prompt';

export const agentModeSchema = z.enum(['subagent', 'primary', 'all']);
export type AgentMode = z.infer<typeof agentModeSchema>;

export const agentInfoSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  mode: agentModeSchema,
  native: z.boolean().optional(),
  hidden: z.boolean().optional(),
  topP: z.number().optional(),
  temperature: z.number().optional(),
  color: z.string().optional(),
  permission: rulesetSchema,
  model: z.object({ providerID: z.string(), modelID: z.string() }).optional(),
  variant: z.string().optional(),
  prompt: z.string().optional(),
  options: z.record(z.string(), z.unknown()),
  steps: z.number().optional(),
});
export type AgentInfo = z.infer<typeof agentInfoSchema>;

export interface BuiltinAgentOptions {
  /** Folder where truncated tool output is saved; reading it back must not need approval. */
  truncationDir?: string;
  tmpDir?: string;
  skillDirs?: string[];
  /** Extra folders (absolute, outside the worktree) where `plan` may write its plan files. */
  planDirs?: string[];
  /** The merged config's `permission`, applied to every agent after its own defaults. */
  userPermission?: Ruleset;
  /** Expands `~` in agent permission patterns. */
  home?: string;
}

/** Relative (to the worktree) location where `plan` keeps its plan files. */
export const PLAN_FILES_PATTERN = '.opencode/plans/*.md';
export const TUTOR_NOTES_PATTERN = `${TUTOR_NOTES_DIR}/*.md`;

const trimDir = (dir: string) => dir.replace(/\/+$/, '');

// Outside the worktree only our own folders (saved tool output, temp, skills) are readable without asking.
function externalDirectoryRules(opts: BuiltinAgentOptions): Record<string, 'allow' | 'ask'> {
  const trusted = [opts.truncationDir, opts.tmpDir, ...(opts.skillDirs ?? [])].filter((d): d is string => !!d);
  const external: Record<string, 'allow' | 'ask'> = { '*': 'ask' };
  for (const dir of trusted) external[`${trimDir(dir)}/*`] = 'allow';
  return external;
}

/** Rules every agent starts from (OpenCode's defaults). */
export function defaultRuleset(opts: BuiltinAgentOptions = {}): Ruleset {
  return fromConfig({
    '*': 'allow',
    doom_loop: 'ask',
    question: 'deny',
    plan_enter: 'deny',
    plan_exit: 'deny',
    repo_clone: 'deny',
    repo_overview: 'deny',
    external_directory: externalDirectoryRules(opts),
    // Secrets usually live in .env files; the committed example is safe to read.
    read: { '*': 'allow', '*.env': 'ask', '*.env.*': 'ask', '*.env.example': 'allow' },
  });
}

interface BuiltinSpec {
  info: Omit<AgentInfo, 'permission' | 'options'>;
  rules: (opts: BuiltinAgentOptions) => PermissionConfig;
}

const BUILTINS: BuiltinSpec[] = [
  {
    info: {
      name: 'build',
      mode: 'primary',
      native: true,
      description: 'The default agent: reads, edits and runs code as the permissions allow.',
    },
    rules: () => ({ question: 'allow', plan_enter: 'allow' }),
  },
  {
    info: {
      name: 'plan',
      mode: 'primary',
      native: true,
      description: 'Planning agent: studies the code and writes a plan without changing project files.',
    },
    rules: (opts) => {
      const edit: Record<string, 'allow' | 'deny'> = { '*': 'deny', [PLAN_FILES_PATTERN]: 'allow' };
      for (const dir of opts.planDirs ?? []) edit[`${trimDir(dir)}/*.md`] = 'allow';
      return { question: 'allow', plan_exit: 'allow', edit };
    },
  },
  {
    info: { name: 'tutor', mode: 'primary', native: true, description: TUTOR_DESCRIPTION, prompt: TUTOR_PROMPT },
    // Edits are refused everywhere but the tutor's Markdown notes, so the solution cannot end up in the
    // student's sources however the conversation goes. Subagents could edit on its behalf, so only the
    // read-only explore agent may be delegated to. Shell commands are shown to the student first, and the
    // destructive ones are refused outright.
    rules: () => ({
      question: 'allow',
      edit: { '*': 'deny', [TUTOR_NOTES_PATTERN]: 'allow' },
      task: { '*': 'deny', explore: 'allow' },
      bash: {
        '*': 'ask',
        'rm *': 'deny',
        'mv *': 'deny',
        'git reset *': 'deny',
        'git checkout *': 'deny',
        'git clean *': 'deny',
        'git push *': 'deny',
      },
      webfetch: 'ask',
      websearch: 'ask',
    }),
  },
  {
    info: { name: 'general', mode: 'subagent', native: true, description: GENERAL_DESCRIPTION },
    rules: () => ({ todowrite: 'deny', todoread: 'deny' }),
  },
  {
    info: { name: 'explore', mode: 'subagent', native: true, description: EXPLORE_DESCRIPTION, prompt: EXPLORE_PROMPT },
    // Its blanket deny would also cover external_directory, so the trusted folders are re-allowed: it must
    // be able to follow a truncation hint into saved tool output.
    rules: (opts) => ({
      '*': 'deny',
      external_directory: externalDirectoryRules(opts),
      grep: 'allow',
      glob: 'allow',
      list: 'allow',
      bash: 'allow',
      webfetch: 'allow',
      websearch: 'allow',
      codesearch: 'allow',
      read: { '*': 'allow', '*.env': 'ask', '*.env.*': 'ask', '*.env.example': 'allow' },
    }),
  },
  {
    info: { name: 'compaction', mode: 'primary', native: true, hidden: true, prompt: COMPACTION_PROMPT },
    rules: () => ({ '*': 'deny' }),
  },
  {
    info: { name: 'title', mode: 'primary', native: true, hidden: true, temperature: 0.5, prompt: TITLE_PROMPT },
    rules: () => ({ '*': 'deny' }),
  },
  {
    info: { name: 'summary', mode: 'primary', native: true, hidden: true, prompt: SUMMARY_PROMPT },
    rules: () => ({ '*': 'deny' }),
  },
];

export const BUILTIN_AGENT_NAMES: readonly string[] = BUILTINS.map((b) => b.info.name);

/** Defaults plus the agent's own rules (custom agents get the defaults only); no user config. */
export function builtinRuleset(name: string, opts: BuiltinAgentOptions = {}): Ruleset {
  const spec = BUILTINS.find((b) => b.info.name === name);
  return merge(defaultRuleset(opts), spec ? fromConfig(spec.rules(opts), { home: opts.home }) : []);
}

export function builtinAgents(opts: BuiltinAgentOptions = {}): AgentInfo[] {
  return BUILTINS.map((spec) => ({
    ...spec.info,
    options: {},
    permission: merge(builtinRuleset(spec.info.name, opts), opts.userPermission),
  }));
}

/**
 * Rules of an agent that a project's own config must not be able to loosen (a student's opencode.json
 * saying `edit: allow` would otherwise re-enable edits for the tutor, since user rules come after built-in
 * ones). Append them after config/session rules, e.g. with the role layer of buildEffectiveRuleset.
 */
export function agentGuardrails(name: string): Ruleset {
  if (name === 'tutor') {
    return fromConfig({
      edit: { '*': 'deny', [TUTOR_NOTES_PATTERN]: 'allow' },
      task: { '*': 'deny', explore: 'allow' },
    });
  }
  return [];
}

/**
 * Session rules for a child session started by the task tool: a subagent must not escape its parent's
 * limits. It inherits the parent agent's edit denials and the parent session's denials and
 * external_directory rules; todo lists and further delegation are off unless the subagent's own ruleset
 * says something about them.
 */
export function subagentSessionRules(parentAgent: AgentInfo, parentSession: Ruleset, subagent: AgentInfo): Ruleset {
  const rules: Ruleset = [
    ...parentAgent.permission.filter((r) => r.permission === 'edit' && r.action === 'deny'),
    ...parentSession.filter((r) => r.action === 'deny' || r.permission === 'external_directory'),
  ];
  for (const permission of ['todowrite', 'task']) {
    if (!subagent.permission.some((r) => r.permission === permission))
      rules.push({ permission, pattern: '*', action: 'deny' });
  }
  return rules;
}

/** `"provider/model"` → ids; the model part may itself contain slashes (`openrouter/meta/llama`). */
export function parseModelRef(ref: string): { providerID: string; modelID: string } | undefined {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return undefined;
  return { providerID: ref.slice(0, slash), modelID: ref.slice(slash + 1) };
}

const KNOWN_AGENT_KEYS = new Set([
  'name',
  'model',
  'variant',
  'temperature',
  'top_p',
  'prompt',
  'tools',
  'disable',
  'description',
  'mode',
  'hidden',
  'options',
  'color',
  'steps',
  'maxSteps',
  'permission',
]);

/** An agent defined outside config (e.g. a markdown file with front matter), named by `name`. */
export type AgentDefinition = AgentConfig & { name: string };

function validate(name: string, raw: unknown): AgentConfig {
  const parsed = agentConfigSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = configIssues(parsed.error).map((i) => ({
    ...i,
    path: ['agent', name, i.path].filter(Boolean).join('.'),
  }));
  throw new ConfigInvalidError(`agent ${name}`, issues);
}

function applyConfig(agent: AgentInfo, name: string, cfg: AgentConfig, opts: BuiltinAgentOptions): AgentInfo {
  const next: AgentInfo = { ...agent, options: { ...agent.options } };
  if (cfg.model !== undefined) {
    const model = parseModelRef(cfg.model);
    if (!model)
      throw new ConfigInvalidError(`agent ${name}`, [
        { path: `agent.${name}.model`, message: 'expected "provider/model"' },
      ]);
    next.model = model;
  }
  if (cfg.variant !== undefined) next.variant = cfg.variant;
  if (cfg.prompt !== undefined) next.prompt = cfg.prompt;
  if (cfg.description !== undefined) next.description = cfg.description;
  if (cfg.temperature !== undefined) next.temperature = cfg.temperature;
  if (cfg.top_p !== undefined) next.topP = cfg.top_p;
  if (cfg.mode !== undefined) next.mode = cfg.mode;
  if (cfg.hidden !== undefined) next.hidden = cfg.hidden;
  if (cfg.color !== undefined) next.color = cfg.color;
  const steps = cfg.steps ?? cfg.maxSteps;
  if (steps !== undefined) next.steps = steps;
  // OpenCode passes unrecognised agent keys through to the provider as options.
  const extra = Object.fromEntries(Object.entries(cfg).filter(([key]) => !KNOWN_AGENT_KEYS.has(key)));
  next.options = { ...next.options, ...extra, ...(cfg.options ?? {}) };
  next.permission = merge(next.permission, fromLegacyTools(cfg.tools), fromConfig(cfg.permission, { home: opts.home }));
  return next;
}

/**
 * Built-ins, then custom definitions, then config entries (later wins field by field; permission rules
 * are appended so they take precedence). `disable: true` removes an agent, built-in or not.
 */
export function resolveAgents(
  configAgents: Record<string, AgentConfig> | undefined,
  customDefinitions: AgentDefinition[] | Record<string, AgentConfig> = [],
  opts: BuiltinAgentOptions = {},
): AgentInfo[] {
  const agents = new Map<string, AgentInfo>(builtinAgents(opts).map((a) => [a.name, a]));
  const custom = Array.isArray(customDefinitions)
    ? customDefinitions.map((d) => [d.name, d] as const)
    : Object.entries(customDefinitions);
  const entries = [...custom, ...Object.entries(configAgents ?? {})];
  for (const [name, raw] of entries) {
    const cfg = validate(name, raw);
    if (cfg.disable) {
      agents.delete(name);
      continue;
    }
    const base = agents.get(name) ?? {
      name,
      mode: 'all' as const,
      native: false,
      options: {},
      permission: merge(defaultRuleset(opts), opts.userPermission),
    };
    agents.set(name, applyConfig(base, name, cfg, opts));
  }
  return [...agents.values()];
}

/** The configured default agent, or the first visible agent that can run as primary. */
export function defaultAgent(agents: AgentInfo[], configDefault?: string): AgentInfo {
  if (configDefault) {
    const agent = agents.find((a) => a.name === configDefault);
    const problem = !agent
      ? `agent "${configDefault}" not found`
      : agent.mode === 'subagent'
        ? `agent "${configDefault}" is a subagent and cannot be the default`
        : agent.hidden
          ? `agent "${configDefault}" is hidden and cannot be the default`
          : undefined;
    if (problem) throw new ConfigInvalidError('config', [{ path: 'default_agent', message: problem }]);
    return agent!;
  }
  const first = agents.find((a) => a.mode !== 'subagent' && !a.hidden);
  if (!first)
    throw new ConfigInvalidError('config', [{ path: 'default_agent', message: 'no primary agent is available' }]);
  return first;
}
