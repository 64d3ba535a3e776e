import { ConfigInvalidError } from '../config/config.errors';
import { disabledTools, evaluate, fromConfig } from '../permission/permission.rules';
import {
  agentGuardrails,
  agentInfoSchema,
  BUILTIN_AGENT_NAMES,
  builtinAgents,
  builtinRuleset,
  defaultAgent,
  parseModelRef,
  resolveAgents,
  subagentSessionRules,
  type AgentInfo,
} from './agent.builtins';
import { TITLE_PROMPT } from './prompt/title.prompt';

const ALL_TOOLS = [
  'read',
  'edit',
  'write',
  'apply_patch',
  'multiedit',
  'glob',
  'grep',
  'list',
  'bash',
  'task',
  'todowrite',
  'webfetch',
  'websearch',
  'question',
  'skill',
];
const opts = { truncationDir: '/data/tool-output', tmpDir: '/tmp/oc', planDirs: ['/data/plans'] };
const byName = (agents: AgentInfo[], name: string) => agents.find((a) => a.name === name)!;
const decide = (agent: AgentInfo, permission: string, pattern: string) =>
  evaluate(permission, pattern, agent.permission).action;

describe('builtinAgents', () => {
  const agents = builtinAgents(opts);

  it('lists the built-ins in OpenCode Agent shape', () => {
    expect(agents.map((a) => a.name)).toEqual([
      'build',
      'plan',
      'tutor',
      'general',
      'explore',
      'compaction',
      'title',
      'summary',
    ]);
    expect(BUILTIN_AGENT_NAMES).toHaveLength(8);
    for (const agent of agents) expect(agentInfoSchema.strict().parse(agent)).toEqual(agent);
    expect(agents.filter((a) => a.mode === 'subagent').map((a) => a.name)).toEqual(['general', 'explore']);
    expect(agents.filter((a) => a.hidden).map((a) => a.name)).toEqual(['compaction', 'title', 'summary']);
    expect(byName(agents, 'title')).toMatchObject({ temperature: 0.5, prompt: TITLE_PROMPT });
  });

  it('applies the shared defaults', () => {
    const build = byName(agents, 'build');
    expect(decide(build, 'edit', 'src/a.ts')).toBe('allow');
    expect(decide(build, 'doom_loop', 'read')).toBe('ask');
    expect(decide(build, 'question', '*')).toBe('allow');
    expect(decide(build, 'plan_enter', '*')).toBe('allow');
    expect(decide(build, 'plan_exit', '*')).toBe('deny');
    expect(decide(build, 'read', 'app/.env')).toBe('ask');
    expect(decide(build, 'read', '.env.local')).toBe('ask');
    expect(decide(build, 'read', '.env.example')).toBe('allow');
    expect(decide(build, 'external_directory', '/etc/*')).toBe('ask');
    expect(decide(build, 'external_directory', '/data/tool-output/*')).toBe('allow');
    expect(decide(build, 'repo_clone', 'x')).toBe('deny');
  });

  it('makes plan read-only except for plan files', () => {
    const plan = byName(agents, 'plan');
    expect(decide(plan, 'edit', 'src/a.ts')).toBe('deny');
    expect(decide(plan, 'edit', '.opencode/plans/ses_1.md')).toBe('allow');
    expect(decide(plan, 'edit', '/data/plans/ses_1.md')).toBe('allow');
    expect(decide(plan, 'edit', '.opencode/plans/x.ts')).toBe('deny');
    expect(decide(plan, 'plan_exit', '*')).toBe('allow');
    expect(decide(plan, 'read', 'src/a.ts')).toBe('allow');
  });

  it('keeps explore read-only and hides edit tools from it', () => {
    const explore = byName(agents, 'explore');
    expect([...disabledTools(ALL_TOOLS, explore.permission)].sort()).toEqual(
      ['apply_patch', 'edit', 'multiedit', 'question', 'skill', 'task', 'todowrite', 'write'].sort(),
    );
    expect(decide(explore, 'external_directory', '/data/tool-output/*')).toBe('allow');
    expect(decide(explore, 'read', 'secrets.env')).toBe('ask');
  });

  it('denies todowrite to general and everything to the hidden agents', () => {
    expect(decide(byName(agents, 'general'), 'todowrite', '*')).toBe('deny');
    for (const name of ['compaction', 'title', 'summary']) {
      expect(disabledTools(ALL_TOOLS, byName(agents, name).permission).size).toBe(ALL_TOOLS.length);
    }
  });
});

describe('tutor', () => {
  const tutor = byName(builtinAgents(opts), 'tutor');

  it('denies edits to source files in every form but allows its Markdown notes', () => {
    for (const path of ['src/main.py', 'README.md', 'tests/test_a.py', '.tutor/solution.py', '.tutor/notes/x.py']) {
      expect(decide(tutor, 'edit', path)).toBe('deny');
    }
    expect(decide(tutor, 'edit', '.tutor/notes/plan.md')).toBe('allow');
    // The edit tools stay visible (for notes) but every edit-family call goes through the same rules.
    expect(disabledTools(['edit', 'write', 'apply_patch'], tutor.permission).size).toBe(0);
  });

  it('allows reading and searching, asks before shell commands and refuses destructive ones', () => {
    for (const permission of ['read', 'grep', 'glob', 'list', 'todowrite', 'question']) {
      expect(decide(tutor, permission, 'src/main.py')).toBe('allow');
    }
    expect(decide(tutor, 'bash', 'pytest -q')).toBe('ask');
    expect(decide(tutor, 'bash', 'npm test')).toBe('ask');
    expect(decide(tutor, 'bash', 'rm -rf src')).toBe('deny');
    expect(decide(tutor, 'bash', 'git checkout -- main.py')).toBe('deny');
  });

  it('may only delegate to the read-only explore agent', () => {
    expect(decide(tutor, 'task', 'explore')).toBe('allow');
    expect(decide(tutor, 'task', 'general')).toBe('deny');
    expect(decide(tutor, 'task', 'build')).toBe('deny');
  });

  it('has a teaching prompt', () => {
    expect(tutor.prompt).toMatch(/hint/i);
    expect(tutor.prompt).toContain('.tutor/notes');
    expect(tutor.mode).toBe('primary');
  });
});

describe('resolveAgents', () => {
  it('merges config over built-ins field by field', () => {
    const agents = resolveAgents(
      {
        build: {
          model: 'openrouter/meta/llama-3',
          temperature: 0.1,
          top_p: 0.9,
          maxSteps: 20,
          color: 'accent',
          reasoningEffort: 'high',
          options: { a: 1 },
        },
        plan: { disable: true },
        tutor: { permission: { bash: { 'pytest *': 'allow' } }, tools: { webfetch: false } },
      },
      [],
      opts,
    );
    expect(agents.map((a) => a.name)).not.toContain('plan');
    const build = byName(agents, 'build');
    expect(build).toMatchObject({
      model: { providerID: 'openrouter', modelID: 'meta/llama-3' },
      temperature: 0.1,
      topP: 0.9,
      steps: 20,
      color: 'accent',
      options: { reasoningEffort: 'high', a: 1 },
      native: true,
      mode: 'primary',
    });
    const tutor = byName(agents, 'tutor');
    expect(decide(tutor, 'bash', 'pytest -q tests')).toBe('allow');
    expect(decide(tutor, 'bash', 'rm x')).toBe('deny');
    expect(decide(tutor, 'webfetch', 'https://x')).toBe('deny');
    expect(tutor.prompt).toMatch(/tutor/i);
  });

  it('creates custom agents from definitions, then lets config override them', () => {
    const agents = resolveAgents(
      { reviewer: { temperature: 0.2 } },
      [
        {
          name: 'reviewer',
          description: 'Reviews code',
          prompt: 'Review carefully.',
          mode: 'subagent',
          temperature: 0.7,
          permission: { edit: 'deny' },
        },
      ],
      opts,
    );
    const reviewer = byName(agents, 'reviewer');
    expect(reviewer).toMatchObject({
      name: 'reviewer',
      native: false,
      mode: 'subagent',
      description: 'Reviews code',
      prompt: 'Review carefully.',
      temperature: 0.2,
    });
    expect(decide(reviewer, 'edit', 'a.ts')).toBe('deny');
    expect(decide(reviewer, 'read', 'a.env')).toBe('ask');
  });

  it('gives agents without a mode the "all" mode', () => {
    expect(byName(resolveAgents({ helper: { prompt: 'x' } }), 'helper').mode).toBe('all');
  });

  it('puts the user permission after built-in rules and agent permission after both', () => {
    const agents = resolveAgents(
      { build: { permission: { bash: 'deny' } } },
      {},
      { userPermission: fromConfig({ edit: 'ask', bash: 'ask' }) },
    );
    expect(decide(byName(agents, 'plan'), 'edit', 'src/a.ts')).toBe('ask');
    expect(decide(byName(agents, 'build'), 'bash', 'ls')).toBe('deny');
    expect(decide(byName(agents, 'general'), 'bash', 'ls')).toBe('ask');
  });

  it('rejects invalid agent config with its path', () => {
    expect(() => resolveAgents({ build: { model: 'nomodel' } })).toThrow(ConfigInvalidError);
    try {
      resolveAgents({}, [{ name: 'x', temperature: 'warm' as unknown as number }]);
      throw new Error('not rejected');
    } catch (error) {
      expect((error as ConfigInvalidError).issues[0].path).toBe('agent.x.temperature');
    }
  });

  it('exposes the built-in ruleset without user config', () => {
    expect(builtinRuleset('unknown-agent')).toEqual(builtinRuleset('unknown-agent', {}));
    expect(evaluate('edit', 'a.ts', builtinRuleset('plan')).action).toBe('deny');
  });
});

describe('defaultAgent', () => {
  const agents = resolveAgents({ helper: { mode: 'subagent' } });

  it('uses the configured default or the first visible primary agent', () => {
    expect(defaultAgent(agents).name).toBe('build');
    expect(defaultAgent(agents, 'tutor').name).toBe('tutor');
    expect(defaultAgent(resolveAgents({ build: { disable: true } })).name).toBe('plan');
  });

  it.each([
    ['missing', /not found/],
    ['explore', /subagent/],
    ['title', /hidden/],
  ])('rejects default_agent %s', (name, message) => {
    expect(() => defaultAgent(agents, name)).toThrow(message);
  });

  it('fails when no agent can be primary', () => {
    expect(() => defaultAgent(agents.filter((a) => a.mode === 'subagent'))).toThrow(/no primary agent/);
  });
});

describe('parseModelRef', () => {
  it.each([
    ['anthropic/claude-sonnet-4-5', { providerID: 'anthropic', modelID: 'claude-sonnet-4-5' }],
    ['a/b/c', { providerID: 'a', modelID: 'b/c' }],
    ['nomodel', undefined],
    ['/x', undefined],
    ['x/', undefined],
  ])('%s', (ref, expected) => {
    expect(parseModelRef(ref)).toEqual(expected);
  });
});

describe('agentGuardrails', () => {
  it("keeps the tutor's edit and task limits when a project config allows everything", () => {
    const [tutor] = resolveAgents({}, [], { userPermission: fromConfig('allow') }).filter((a) => a.name === 'tutor');
    expect(decide(tutor, 'edit', 'src/a.py')).toBe('allow');
    const guarded = [...tutor.permission, ...agentGuardrails('tutor')];
    expect(evaluate('edit', 'src/a.py', guarded).action).toBe('deny');
    expect(evaluate('edit', '.tutor/notes/a.md', guarded).action).toBe('allow');
    expect(evaluate('task', 'general', guarded).action).toBe('deny');
    expect(evaluate('read', 'src/a.py', guarded).action).toBe('allow');
    expect(agentGuardrails('build')).toEqual([]);
  });
});

describe('subagentSessionRules', () => {
  const agents = builtinAgents(opts);

  it("carries the tutor's edit denial into an explore child and turns off todos and delegation", () => {
    const tutor = byName(agents, 'tutor');
    const explore = byName(agents, 'explore');
    const parentSession = fromConfig({
      webfetch: 'deny',
      bash: { 'ls *': 'allow' },
      external_directory: { '/shared/*': 'allow' },
    });
    const child = subagentSessionRules(tutor, parentSession, explore);
    expect(child).toEqual([
      { permission: 'edit', pattern: '*', action: 'deny' },
      { permission: 'webfetch', pattern: '*', action: 'deny' },
      { permission: 'external_directory', pattern: '/shared/*', action: 'allow' },
      { permission: 'todowrite', pattern: '*', action: 'deny' },
      { permission: 'task', pattern: '*', action: 'deny' },
    ]);
    const effective = [...explore.permission, ...child];
    expect(evaluate('webfetch', 'https://x', effective).action).toBe('deny');
    expect(evaluate('grep', 'x', effective).action).toBe('allow');
  });

  it("keeps todowrite/task to the subagent's own rules when it mentions them", () => {
    const general = byName(agents, 'general');
    const child = subagentSessionRules(byName(agents, 'build'), [], general);
    expect(child).toEqual([{ permission: 'task', pattern: '*', action: 'deny' }]);
  });
});
