import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { PROVIDER_PRESETS } from '../../../src/modules/provider/provider.presets';

// Issue 22 "Done means": GET /provider on a platform configured with every provider of the seed lists each with its
// models, limits and prices. The catalogue's providers come with their models; the self-hosted ones (LiteLLM, a
// proxy; Ollama, LM Studio, vLLM; GitHub Models, absent from the catalogue) take theirs from the platform config, and a
// prompt through LiteLLM's wire records usage and cost exactly. Catalogue prices are facts: where OpenCode's
// catalogue prices a model at $0 (GitLab Duo's seat-billed models, some free tiers) the listing says $0 too.

const FROM_CONFIG = ['litellm', 'ollama', 'lmstudio', 'vllm', 'github-models'];
const PRICE = { input: 0.6, output: 2.4, cache_read: 0.15 };

let llm: FakeLlm;
let app: TestApp;
let school: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  const provider: Record<string, unknown> = {};
  for (const id of PROVIDER_PRESETS.keys()) provider[id] = { options: { apiKey: `key-${id}` } };
  for (const id of FROM_CONFIG)
    provider[id] = {
      options: { apiKey: `key-${id}`, baseURL: `${llm.url}/v1` },
      models: {
        'team-model': { name: 'Team model', tool_call: true, cost: PRICE, limit: { context: 64000, output: 8000 } },
      },
    };
  const config = {
    provider,
    enabled_providers: [...PROVIDER_PRESETS.keys()],
    model: 'litellm/team-model',
    small_model: 'litellm/team-model',
  };
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    SANDBOX: 'off',
    EGRESS_ALLOW: '127.0.0.1',
  });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

interface ListedModel {
  id: string;
  cost: { input: number; output: number };
  limit: { context: number; output: number };
}

it('GET /provider lists every preset with its models, their limits and prices', async () => {
  const res = await school.student.http.get('/provider');
  expect(res.status).toBe(200);
  const all = new Map((res.body.all as { id: string; models: Record<string, ListedModel> }[]).map((p) => [p.id, p]));
  const report: Record<string, { models: number; priced: number }> = {};
  for (const id of PROVIDER_PRESETS.keys()) {
    const models = Object.values(all.get(id)?.models ?? {});
    report[id] = { models: models.length, priced: models.filter((m) => m.cost.input > 0 && m.cost.output > 0).length };
    expect({ id, listed: models.length > 0 }).toEqual({ id, listed: true });
    // Limits and prices as numbers on every model (a catalogue fact may be 0: Vercel's video models have no context).
    for (const m of models)
      expect([typeof m.limit.context, typeof m.cost.input, typeof m.cost.output]).toEqual([
        'number',
        'number',
        'number',
      ]);
    expect({ id, withContext: models.some((m) => m.limit.context > 0) }).toEqual({ id, withContext: true });
    // Every preset but GitLab Duo (all $0 in the catalogue: billed by the seat) has priced models.
    if (id !== 'gitlab') expect({ id, priced: report[id].priced > 0 }).toEqual({ id, priced: true });
  }
  for (const id of FROM_CONFIG)
    expect(all.get(id)!.models['team-model']).toMatchObject({
      cost: { input: 0.6, output: 2.4, cache: { read: 0.15 } },
      limit: { context: 64000, output: 8000 },
    });
  expect(Object.values(all.get('gitlab')!.models).every((m) => m.cost.input === 0 && m.cost.output === 0)).toBe(true);
});

it('a prompt through LiteLLM (a proxy: models from the platform config) streams a tool call and text; usage and cost recorded exactly', async () => {
  const notTitle = (r: { body: unknown; rawBody?: string }) => !isTitleRequest(r);
  llm.enqueueWhen(
    notTitle,
    reply()
      .tool('todowrite', { todos: [{ content: 'via litellm', status: 'completed', priority: 'high' }] })
      .usage({ input: 1000, output: 100 })
      .stop(),
  );
  llm.enqueueWhen(notTitle, reply().text('Done through LiteLLM.').usage({ input: 1200, output: 20 }).stop());
  const session = (await school.student.http.post('/session', { body: { title: 'litellm' } })).body;
  const before = llm.requests.length;
  const res = await school.student.http.post(`/session/${session.id}/message`, {
    body: { parts: [{ type: 'text', text: 'plan it' }], model: { providerID: 'litellm', modelID: 'team-model' } },
  });
  expect(res.status).toBe(200);
  expect(res.body.info).toMatchObject({ providerID: 'litellm', modelID: 'team-model', finish: 'stop' });
  const calls = llm.requests.slice(before).filter(notTitle);
  expect(calls.map((c) => c.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  expect(calls[0].headers.authorization).toBe('Bearer key-litellm');
  expect(calls[0].body.model).toBe('team-model');

  const messages = (await school.student.http.get(`/session/${session.id}/message`)).body as {
    info: { role: string };
    parts: {
      type: string;
      tool?: string;
      state?: { status: string };
      cost?: number;
      tokens?: { input: number; output: number };
    }[];
  }[];
  const parts = messages.filter((m) => m.info.role === 'assistant').flatMap((m) => m.parts);
  expect(parts.find((p) => p.type === 'tool')).toMatchObject({ tool: 'todowrite', state: { status: 'completed' } });
  const steps = parts.filter((p) => p.type === 'step-finish');
  expect(steps.map((s) => s.tokens)).toEqual([
    expect.objectContaining({ input: 1000, output: 100 }),
    expect.objectContaining({ input: 1200, output: 20 }),
  ]);
  // $/1M tokens: 1000 × 0.6 + 100 × 2.4, then 1200 × 0.6 + 20 × 2.4.
  expect(steps[0].cost).toBeCloseTo(0.00084, 12);
  expect(steps[1].cost).toBeCloseTo(0.000768, 12);
  const info = (await school.student.http.get(`/session/${session.id}`)).body;
  expect(info.cost).toBeCloseTo(0.00084 + 0.000768, 12);
});
