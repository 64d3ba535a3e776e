import { FakeLlm, reply } from '../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../test/fakes/llm/collect-stream';
import { computeStepCost } from './cost';
import { ProviderModelNotFoundError } from './provider.errors';
import { ProviderRegistry } from './provider-registry';
import { shapeRequest } from './request-shaping';
import type { Usage } from './provider.types';

describe('ProviderRegistry', () => {
  let llm: FakeLlm;
  const registry = new ProviderRegistry();
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());

  it('answers GET /provider and GET /config/providers shapes', () => {
    const ctx = { env: { ANTHROPIC_API_KEY: 'a' }, apiKeys: { groq: 'g' } };
    const list = registry.list({}, ctx);
    expect(list.connected).toEqual(['anthropic', 'groq']);
    expect(list.all.length).toBeGreaterThan(list.connected.length);
    expect(list.default.openai).toBeDefined();
    const cfg = registry.configProviders({}, ctx);
    expect(cfg.providers.map((p) => [p.id, p.source])).toEqual([
      ['anthropic', 'env'],
      ['groq', 'api'],
    ]);
    expect(Object.keys(cfg.default)).toEqual(['anthropic', 'groq']);
  });

  it('streams a whole step end to end: config provider → shaped request → fake server → exact cost', async () => {
    const config = {
      provider: {
        anthropic: { options: { baseURL: llm.url } },
        classroom: {
          npm: '@ai-sdk/openai-compatible',
          options: { baseURL: llm.openaiBaseUrl },
          models: {
            tutor: {
              id: 'tutor-v2',
              cost: { input: 0.5, output: 1.5, cache_read: 0.05 },
              limit: { context: 64_000, output: 4_096 },
            },
          },
        },
      },
    };
    const ctx = { apiKeys: { anthropic: 'stored-key', classroom: 'class-key' } };
    const resolved = registry.resolve(config, ctx);

    const { model, info } = registry.languageModel(resolved, { providerID: 'classroom', modelID: 'tutor' }, ctx);
    llm.enqueue(reply().text('Hi class').usage({ input: 2_000, output: 300, cacheRead: 1_000 }).stop());
    const { events } = await collect(
      model.stream({ ...baseRequest({ modelId: info.api.id }), ...shapeRequest({ model: info, sessionId: 'ses_1' }) }),
    );
    expect(textOf(events)).toBe('Hi class');
    expect(llm.lastRequest).toMatchObject({
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer class-key', 'x-session-affinity': 'ses_1' },
      body: { model: 'tutor-v2', max_tokens: 4_096 },
    });
    const finish = events.at(-1) as { usage: Usage };
    // 1 000×0.5 + 300×1.5 + 1 000×0.05 = 1 000 µ$
    expect(computeStepCost(finish.usage, info.cost).cost).toBe('0.001');

    const claude = registry.languageModel(resolved, { providerID: 'anthropic', modelID: 'claude-haiku-4-5' }, ctx);
    llm.enqueue(reply().text('Haiku here').stop());
    const out = await collect(claude.model.stream(baseRequest({ modelId: claude.info.api.id })));
    expect(textOf(out.events)).toBe('Haiku here');
    expect(llm.lastRequest).toMatchObject({
      path: '/v1/messages',
      headers: { authorization: 'Bearer stored-key' },
      body: { model: 'claude-haiku-4-5' },
    });

    expect(() => registry.languageModel(resolved, { providerID: 'classroom', modelID: 'nope' }, ctx)).toThrow(
      ProviderModelNotFoundError,
    );
  });
});
