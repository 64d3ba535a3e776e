import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { computeStepCost } from '../cost';
import { ProviderModelNotFoundError } from '../provider.errors';
import { apiModelSchema, apiProviderSchema, type CatalogueSnapshot } from './catalogue.schema';
import { ModelCatalogue } from './model-catalogue';
import { pickSmallModelId, sortModelIds } from './model-ranking';

describe('ModelCatalogue', () => {
  const catalogue = new ModelCatalogue();

  it('ships a valid snapshot whose providers and models render as OpenCode API shapes', () => {
    const resolved = catalogue.resolve({}, {});
    expect(resolved.all.length).toBeGreaterThanOrEqual(10);
    for (const provider of resolved.all) {
      expect(apiProviderSchema.safeParse(provider).success).toBe(true);
      for (const model of Object.values(provider.models)) expect(apiModelSchema.parse(model)).toEqual(model);
    }
    expect(resolved.connected).toEqual([]);
    const sonnet = resolved.all.find((p) => p.id === 'anthropic')!.models['claude-sonnet-4-5'];
    expect(sonnet).toMatchObject({
      providerID: 'anthropic',
      api: { id: 'claude-sonnet-4-5', npm: '@ai-sdk/anthropic', url: 'https://api.anthropic.com' },
      capabilities: {
        reasoning: true,
        toolcall: true,
        attachment: true,
        input: { text: true, image: true, pdf: true, audio: false, video: false },
        interleaved: false,
      },
      cost: { input: 3, output: 15, cache: { read: 0.3, write: 3.75 } },
      limit: { context: 200_000, output: 64_000 },
      status: 'active',
    });
  });

  it('connects providers from env and stored credentials, and ranks a default model per provider', () => {
    const resolved = catalogue.resolve(
      {},
      { env: { ANTHROPIC_API_KEY: 'x', GEMINI_API_KEY: 'g' }, credentials: ['openai'] },
    );
    expect(resolved.connected.map((p) => [p.id, p.source])).toEqual([
      ['anthropic', 'env'],
      ['openai', 'api'],
      ['google', 'env'],
    ]);
    expect(resolved.default).toMatchObject({
      anthropic: 'claude-sonnet-4-6',
      openai: 'gpt-5.1-codex',
      google: 'gemini-3-pro-preview',
    });
    expect(catalogue.defaultModel(resolved)).toEqual({ providerID: 'anthropic', modelID: 'claude-sonnet-4-6' });
    expect(
      catalogue.defaultModel(resolved, [
        { providerID: 'google', modelID: 'gone' },
        { providerID: 'openai', modelID: 'gpt-5-mini' },
      ]),
    ).toEqual({ providerID: 'openai', modelID: 'gpt-5-mini' });
    expect(catalogue.defaultModel(catalogue.resolve({ model: 'openrouter/openai/gpt-5' }, {}))).toEqual({
      providerID: 'openrouter',
      modelID: 'openai/gpt-5',
    });
  });

  it("picks the small model by OpenCode's priority, unless config sets small_model", () => {
    const resolved = catalogue.resolve(
      {},
      { env: { ANTHROPIC_API_KEY: 'x', GEMINI_API_KEY: 'g', OPENAI_API_KEY: 'o', XAI_API_KEY: 'x' } },
    );
    expect(catalogue.smallModel(resolved, 'anthropic')).toEqual({
      providerID: 'anthropic',
      modelID: 'claude-haiku-4-5',
    });
    expect(catalogue.smallModel(resolved, 'google')).toEqual({
      providerID: 'google',
      modelID: 'gemini-3-flash-preview',
    });
    expect(catalogue.smallModel(resolved, 'openai')).toEqual({ providerID: 'openai', modelID: 'gpt-5-nano' });
    expect(catalogue.smallModel(resolved, 'xai')).toBeUndefined();
    expect(catalogue.smallModel(catalogue.resolve({ small_model: 'openai/gpt-5-mini' }, {}), 'anthropic')).toEqual({
      providerID: 'openai',
      modelID: 'gpt-5-mini',
    });
  });

  it('merges config: custom OpenAI-compatible providers, model overrides, filters', () => {
    const resolved = catalogue.resolve(
      {
        provider: {
          school: {
            name: 'School vLLM',
            options: {
              baseURL: 'http://10.0.0.5:8000/v1',
              apiKey: 'secret',
              headers: { 'x-team': 'a', Authorization: 'Bearer s' },
            },
            models: {
              'qwen-coder': {
                name: 'Qwen Coder',
                id: 'Qwen/Qwen3-Coder-30B',
                limit: { context: 65_536, output: 8_192 },
                cost: { input: 0.1, output: 0.2 },
                tool_call: true,
              },
            },
          },
          anthropic: {
            whitelist: ['claude-sonnet-4-5', 'claude-custom'],
            models: {
              'claude-sonnet-4-5': { cost: { input: 2.5 } },
              'claude-custom': { name: 'Custom', id: 'claude-sonnet-4-5-20250929' },
            },
          },
          openai: {
            blacklist: ['gpt-4o'],
            models: { 'gpt-5-nano': { status: 'deprecated' }, 'gpt-lab': { name: 'Lab', experimental: true } },
          },
        },
        disabled_providers: ['mistral'],
      },
      { env: { OPENAI_API_KEY: 'o' } },
    );
    const school = resolved.connected.find((p) => p.id === 'school')!;
    expect(school).toMatchObject({
      name: 'School vLLM',
      source: 'config',
      options: { baseURL: 'http://10.0.0.5:8000/v1', headers: { 'x-team': 'a' } },
    });
    expect(school.options).not.toHaveProperty('apiKey');
    expect(school.models['qwen-coder']).toMatchObject({
      api: { id: 'Qwen/Qwen3-Coder-30B', url: 'http://10.0.0.5:8000/v1', npm: '@ai-sdk/openai-compatible' },
      cost: { input: 0.1, output: 0.2, cache: { read: 0, write: 0 } },
      limit: { context: 65_536, output: 8_192 },
      capabilities: { toolcall: true, temperature: true, reasoning: false },
    });
    const anthropic = resolved.connected.find((p) => p.id === 'anthropic')!;
    expect(anthropic.source).toBe('config');
    expect(Object.keys(anthropic.models).sort()).toEqual(['claude-custom', 'claude-sonnet-4-5']);
    expect(anthropic.models['claude-sonnet-4-5'].cost).toEqual({
      input: 2.5,
      output: 15,
      cache: { read: 0.3, write: 3.75 },
    });
    expect(anthropic.models['claude-custom'].api.id).toBe('claude-sonnet-4-5-20250929');
    const openai = resolved.connected.find((p) => p.id === 'openai')!;
    expect(openai.models['gpt-4o']).toBeUndefined();
    expect(openai.models['gpt-5-nano']).toBeUndefined();
    expect(openai.models['gpt-lab']).toBeUndefined();
    expect(resolved.all.find((p) => p.id === 'mistral')).toBeUndefined();
    const experimental = catalogue.resolve(
      {
        experimentalModels: true,
        provider: { openai: { models: { 'gpt-lab': { name: 'Lab', experimental: true } } } },
      },
      { env: { OPENAI_API_KEY: 'o' } },
    );
    expect(experimental.connected.find((p) => p.id === 'openai')!.models['gpt-lab'].status).toBe('alpha');
    expect(catalogue.resolve({ enabled_providers: ['groq'] }, {}).all.map((p) => p.id)).toEqual(['groq']);
  });

  it('answers unknown models with ProviderModelNotFoundError and suggestions', () => {
    const resolved = catalogue.resolve({}, { env: { ANTHROPIC_API_KEY: 'x' } });
    expect(catalogue.getModel(resolved, 'anthropic', 'claude-opus-4-5').id).toBe('claude-opus-4-5');
    let error: unknown;
    try {
      catalogue.getModel(resolved, 'anthropic', 'claude-opus');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProviderModelNotFoundError);
    expect((error as ProviderModelNotFoundError).details.suggestions).toEqual(
      expect.arrayContaining(['claude-opus-4-5']),
    );
    expect(() => catalogue.getModel(resolved, 'openai', 'gpt-5')).toThrow(ProviderModelNotFoundError);
  });

  it('feeds the cost calculator with catalogue prices, >200k pricing included', () => {
    const resolved = catalogue.resolve({}, { env: { GEMINI_API_KEY: 'g' } });
    const pro = catalogue.getModel(resolved, 'google', 'gemini-2.5-pro');
    // 250 000 in (50 000 cached) at the >200k price: 200 000×2.5 + 50 000×0.25 + 1 000×15 = 527 500 µ$
    expect(
      computeStepCost({ input: 250_000, output: 1_000, reasoning: 0, cacheRead: 50_000, cacheWrite: 0 }, pro.cost).cost,
    ).toBe('0.5275');
  });

  it('builds resolveProvider input from config and the catalogue api URL', () => {
    const resolved = catalogue.resolve(
      { provider: { lab: { api: 'http://127.0.0.1:9/v1', options: { headers: { a: 'b' } }, models: { m: {} } } } },
      {},
    );
    expect(catalogue.resolveInput(resolved, 'lab', { apiKey: 'k' })).toEqual({
      id: 'lab',
      options: { headers: { a: 'b' }, baseURL: 'http://127.0.0.1:9/v1' },
      apiKey: 'k',
      env: undefined,
    });
  });
});

describe('ModelCatalogue refresh', () => {
  let server: http.Server;
  let url: string;
  let body = '';
  let status = 200;
  let hits = 0;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      hits++;
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const tiny: CatalogueSnapshot = {
    providers: {
      anthropic: {
        id: 'anthropic',
        name: 'Anthropic',
        env: ['ANTHROPIC_API_KEY'],
        npm: '@ai-sdk/anthropic',
        models: {},
      },
    },
  };

  it('is off by default and replaces data from a models.dev-style bare map when enabled', async () => {
    expect(await new ModelCatalogue({ snapshot: tiny }).refresh()).toBe(false);
    let clock = 1_000_000;
    const cat = new ModelCatalogue({ snapshot: tiny, refreshUrl: url, now: () => clock, refreshIntervalMs: 60_000 });
    body = JSON.stringify({
      newco: {
        id: 'newco',
        name: 'NewCo',
        env: ['NEWCO_KEY'],
        npm: '@ai-sdk/openai-compatible',
        api: 'https://api.newco.test/v1',
        models: {
          'n-1': {
            id: 'n-1',
            name: 'N1',
            release_date: '2026-01-01',
            limit: { context: 1000, output: 100 },
            cost: { input: 1, output: 2 },
          },
        },
      },
      broken: { nope: true },
    });
    status = 200;
    expect(await cat.refresh()).toBe(true);
    expect(Object.keys(cat.providers)).toEqual(['newco']);
    expect(cat.resolve({}, { env: { NEWCO_KEY: 'k' } }).connected[0].models['n-1'].api.url).toBe(
      'https://api.newco.test/v1',
    );

    const before = hits;
    expect(await cat.maybeRefresh()).toBe(false);
    clock += 61_000;
    status = 500;
    expect(await cat.maybeRefresh()).toBe(false);
    expect(hits).toBe(before + 1);
    expect(Object.keys(cat.providers)).toEqual(['newco']);
  });
});

describe('model ranking', () => {
  it('puts priority families first, then latest, then id descending', () => {
    expect(
      sortModelIds(['a-model', 'z-model', 'x-latest', 'gpt-5-mini', 'claude-sonnet-4-5', 'gemini-3-pro-preview']),
    ).toEqual(['gemini-3-pro-preview', 'claude-sonnet-4-5', 'gpt-5-mini', 'x-latest', 'z-model', 'a-model']);
  });

  it('applies the opencode and github-copilot small-model special cases', () => {
    expect(pickSmallModelId('opencode', ['claude-haiku-4-5', 'gpt-5-nano'])).toBe('gpt-5-nano');
    expect(pickSmallModelId('github-copilot', ['claude-haiku-4.5', 'gpt-5-mini'])).toBe('gpt-5-mini');
    expect(pickSmallModelId('anthropic', ['claude-3-5-haiku-latest', 'claude-opus-4-5'])).toBe(
      'claude-3-5-haiku-latest',
    );
  });
});
