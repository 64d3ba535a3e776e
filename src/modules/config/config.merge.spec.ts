import { type ConfigLayer, configAgents, configRuleset, mergeConfig, mergeConfigLayers } from './config.merge';
import type { Config } from './config.schema';

describe('mergeConfig', () => {
  const platform: Config = {
    model: 'platform/base',
    small_model: 'platform/small',
    instructions: ['/platform/RULES.md'],
    plugin: ['p-audit'],
    provider: { school: { options: { baseURL: 'http://llm/v1', timeout: 1000 }, models: { a: { name: 'A' } } } },
    permission: { '*': 'allow', bash: { '*': 'ask', 'rm *': 'deny' } },
    compaction: { auto: true, reserved: 10000 },
  };
  const tenant: Config = {
    model: 'school/a',
    instructions: ['/tenant/SCHOOL.md'],
    provider: { school: { options: { timeout: 5000 }, models: { b: { name: 'B' } } } },
    permission: { webfetch: 'deny' },
  };
  const project: Config = {
    instructions: ['AGENTS.md', '/platform/RULES.md'],
    plugin: ['p-audit', 'p-format'],
    permission: { bash: { 'npm test *': 'allow' } },
    compaction: { reserved: 2000 },
    watcher: { ignore: ['dist'] },
  };
  const agent: Config = { agent: { tutor: { temperature: 0.2, permission: { edit: 'deny' } } } };
  const session: Config = { agent: { tutor: { temperature: 0.4 } }, watcher: { ignore: ['coverage'] } };

  const merged = mergeConfig(platform, tenant, project, agent, undefined, session);

  it('lets later layers win for scalars and deep-merges objects', () => {
    expect(merged.model).toBe('school/a');
    expect(merged.small_model).toBe('platform/small');
    expect(merged.provider?.school.options).toEqual({ baseURL: 'http://llm/v1', timeout: 5000 });
    expect(Object.keys(merged.provider?.school.models ?? {})).toEqual(['a', 'b']);
    expect(merged.compaction).toEqual({ auto: true, reserved: 2000 });
    expect(merged.agent?.tutor).toEqual({ temperature: 0.4, permission: { edit: 'deny' } });
  });

  it('concatenates instructions and plugin without duplicates but replaces other arrays', () => {
    expect(merged.instructions).toEqual(['/platform/RULES.md', '/tenant/SCHOOL.md', 'AGENTS.md']);
    expect(merged.plugin).toEqual(['p-audit', 'p-format']);
    expect(merged.watcher?.ignore).toEqual(['coverage']);
  });

  it('merges permission key-wise keeping first-seen order', () => {
    expect(merged.permission).toEqual({
      '*': 'allow',
      bash: { '*': 'ask', 'rm *': 'deny', 'npm test *': 'allow' },
      webfetch: 'deny',
    });
    expect(Object.keys(merged.permission as object)).toEqual(['*', 'bash', 'webfetch']);
  });

  it('treats a bare action as {"*": action} when refined, and lets a later bare action replace', () => {
    expect(
      mergeConfig({ permission: { bash: 'ask' } }, { permission: { bash: { 'ls *': 'allow' } } }).permission,
    ).toEqual({
      bash: { '*': 'ask', 'ls *': 'allow' },
    });
    expect(mergeConfig({ permission: 'ask' }, { permission: { read: 'allow' } }).permission).toEqual({
      '*': 'ask',
      read: 'allow',
    });
    expect(
      mergeConfig({ permission: { bash: { 'rm *': 'deny' } } }, { permission: { bash: 'allow' } }).permission,
    ).toEqual({ bash: 'allow' });
    expect(mergeConfig({ permission: { bash: 'deny' } }, { permission: 'allow' }).permission).toBe('allow');
  });

  it('does not mutate its inputs', () => {
    expect(platform.instructions).toEqual(['/platform/RULES.md']);
    expect(platform.provider?.school.options).toEqual({ baseURL: 'http://llm/v1', timeout: 1000 });
  });
});

describe('mergeConfigLayers with pins', () => {
  const layers: ConfigLayer[] = [
    { source: 'platform', config: { model: 'school/a', enabled_providers: ['school'] }, pin: ['enabled_providers'] },
    {
      source: 'tenant',
      config: { permission: { webfetch: 'deny', bash: 'ask' }, share: 'disabled' },
      pin: ['permission.webfetch', 'share'],
    },
    {
      source: 'project',
      config: {
        model: 'school/b',
        enabled_providers: ['openai'],
        share: 'auto',
        permission: { webfetch: 'allow', bash: 'allow' },
      },
    },
  ];

  it('discards later values on pinned paths and reports them', () => {
    const { config, overridden } = mergeConfigLayers(layers);
    expect(config.model).toBe('school/b');
    expect(config.enabled_providers).toEqual(['school']);
    expect(config.share).toBe('disabled');
    expect(config.permission).toEqual({ webfetch: 'deny', bash: 'allow' });
    expect(overridden).toEqual([
      { path: 'enabled_providers', source: 'project', pinnedBy: 'platform' },
      { path: 'permission.webfetch', source: 'project', pinnedBy: 'tenant' },
      { path: 'share', source: 'project', pinnedBy: 'tenant' },
    ]);
  });

  it('removes a pinned key even from a later bare permission action', () => {
    const { config, overridden } = mergeConfigLayers([
      { source: 'tenant', config: { permission: { edit: 'deny' } }, pin: ['permission.edit'] },
      { source: 'project', config: { permission: 'allow' } },
    ]);
    expect(overridden).toEqual([]);
    expect(config.permission).toEqual({ edit: 'deny', '*': 'allow' });
  });
});

describe('configRuleset and configAgents', () => {
  it('puts legacy tool switches before permission rules', () => {
    const rules = configRuleset(
      { tools: { bash: false, write: false }, permission: { bash: { 'ls *': 'allow' } } },
      { home: '/h' },
    );
    expect(rules).toEqual([
      { permission: 'bash', pattern: '*', action: 'deny' },
      { permission: 'edit', pattern: '*', action: 'deny' },
      { permission: 'bash', pattern: 'ls *', action: 'allow' },
    ]);
  });

  it('folds deprecated mode entries under agent entries', () => {
    expect(
      configAgents({
        mode: { build: { temperature: 0.1, prompt: 'old' }, legacy: { prompt: 'l' } },
        agent: { build: { temperature: 0.3 } },
      }),
    ).toEqual({
      build: { temperature: 0.3, prompt: 'old' },
      legacy: { prompt: 'l' },
    });
    expect(configAgents({})).toEqual({});
  });
});
