import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createOpencodeClient } from '@opencode-ai/sdk';
import { FakeLlm, httpError, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Amazon Bedrock and Claude on Vertex through their real SDKs against the fake wire (Bedrock's binary event
// stream, Vertex's :streamRawPredict plus its OAuth token endpoint, SAP AI Core's orchestration service): text, a
// tool call, usage and exact cost.

const BEDROCK_MODEL = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const VERTEX_MODEL = 'claude-sonnet-4-5@20250929';
const SAP_MODEL = 'anthropic--claude-4.5-sonnet';

let llm: FakeLlm;
let app: TestApp;
let school: TestTenant;

const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

function sdk(key: string) {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  const config = {
    provider: {
      'amazon-bedrock': { options: { baseURL: llm.url, region: 'eu-west-1' } },
      'google-vertex-anthropic': {
        options: {
          baseURL: `${llm.url}/v1`,
          location: 'europe-west1',
          credentials: {
            type: 'service_account',
            project_id: 'platform-project',
            client_email: 'agents@platform-project.iam.gserviceaccount.com',
            private_key: privateKey,
            token_uri: `${llm.url}/token`,
          },
        },
      },
    },
    enabled_providers: ['amazon-bedrock', 'google-vertex-anthropic', 'sap-ai-core', 'github-copilot'],
    model: `amazon-bedrock/${BEDROCK_MODEL}`,
    small_model: `amazon-bedrock/${BEDROCK_MODEL}`,
  };
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
    ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
    // The platform's own SAP service key (env keys reach schools only when allowed, so this school is allowed).
    AICORE_SERVICE_KEY: JSON.stringify({
      clientid: 'sb-platform',
      clientsecret: 'platform-secret',
      url: `${llm.url}/uaa`,
      serviceurls: { AI_API_URL: `${llm.url}/ai` },
    }),
    ALLOW_ENV_PROVIDER_KEYS: 'true',
  });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

/** $ per token from the catalogue's per-million prices: 3 in, 15 out, 0.3 cache read, 3.75 cache write. */
const expectedCost = (u: { input: number; output: number; cacheRead: number; cacheWrite: number }) =>
  ((u.input - u.cacheRead - u.cacheWrite) * 3 + u.output * 15 + u.cacheRead * 0.3 + u.cacheWrite * 3.75) / 1e6;

describe('SDK-backed providers end to end', () => {
  it('GET /provider lists Bedrock and Claude on Vertex with their catalogue models and prices', async () => {
    const res = await request(app.url, 'GET', '/provider', { key: school.admin.key });
    expect(res.status).toBe(200);
    const byId = new Map((res.body.all as { id: string; models: Record<string, unknown> }[]).map((p) => [p.id, p]));
    expect(byId.get('amazon-bedrock')!.models[BEDROCK_MODEL]).toMatchObject({
      cost: { input: 3, output: 15, cache: { read: 0.3, write: 3.75 } },
      limit: { context: 200000, output: 64000 },
    });
    expect(byId.get('google-vertex-anthropic')!.models[VERTEX_MODEL]).toMatchObject({ cost: { input: 3, output: 15 } });
    expect(byId.get('sap-ai-core')!.models[SAP_MODEL]).toMatchObject({ cost: { input: 3, output: 15 } });
    expect(Object.keys(byId.get('github-copilot')!.models).length).toBeGreaterThan(0);
    expect(res.body.connected).toEqual(
      expect.arrayContaining(['amazon-bedrock', 'google-vertex-anthropic', 'sap-ai-core']),
    );
    expect(res.body.connected).not.toContain('github-copilot');
    expect(res.text).not.toContain('platform-secret');
    expect(res.text).not.toContain('PRIVATE KEY');
  });

  it("Bedrock with a school's stored key pair: SigV4, a tool call, then text; usage and cost recorded exactly", async () => {
    const secret = `bedrock-secret-${randomBytes(6).toString('hex')}`;
    const put = await request(app.url, 'PUT', '/auth/amazon-bedrock', {
      key: school.admin.key,
      body: { type: 'api', key: secret, metadata: { accessKeyId: 'AKIASCHOOLPAIR', region: 'us-west-2' } },
    });
    expect(put.status).toBe(200);

    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'bedrock' } })).data!;
    const first = { input: 1200, output: 40, cacheRead: 800, cacheWrite: 100 };
    const second = { input: 1500, output: 12, cacheRead: 1100, cacheWrite: 0 };
    const notTitle = (r: { body: unknown; rawBody?: string }) => !isTitleRequest(r);
    llm.enqueueWhen(
      notTitle,
      reply()
        .tool('todowrite', { todos: [{ content: 'Check Bedrock', status: 'completed', priority: 'high' }] })
        .usage({ ...first, reasoning: 0 })
        .stop(),
    );
    llm.enqueueWhen(
      notTitle,
      reply()
        .text('Done on Bedrock.')
        .usage({ ...second, reasoning: 0 })
        .stop(),
    );
    const before = llm.requests.length;
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'plan it' }] },
    });
    const info = res.data!.info as { providerID: string; finish: string; cost: number; tokens: unknown };
    expect(info).toMatchObject({ providerID: 'amazon-bedrock', modelID: BEDROCK_MODEL, finish: 'stop' });
    const calls = llm.requests.slice(before).filter(notTitle);
    expect(calls).toHaveLength(2);
    expect(calls[0].path).toBe(`/model/${BEDROCK_MODEL}/converse-stream`);
    expect(String(calls[0].headers.authorization)).toMatch(/Credential=AKIASCHOOLPAIR\/\d{8}\/eu-west-1\/bedrock\//);
    // The tool result went back as a Converse toolResult in the next user turn.
    expect(JSON.stringify(calls[1].body.messages)).toContain('"toolResult"');

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const steps = messages
      .filter((m) => m.info.role === 'assistant')
      .flatMap((m) => m.parts.filter((p) => p.type === 'step-finish')) as unknown as {
      cost: number;
      tokens: { input: number; output: number; cache: { read: number; write: number } };
    }[];
    expect(steps.map((s) => s.tokens)).toEqual([
      expect.objectContaining({ input: 300, output: 40, cache: { read: 800, write: 100 } }),
      expect.objectContaining({ input: 400, output: 12, cache: { read: 1100, write: 0 } }),
    ]);
    expect(steps[0].cost).toBeCloseTo(expectedCost(first), 12);
    expect(steps[1].cost).toBeCloseTo(expectedCost(second), 12);
    expect(messages.some((m) => m.parts.some((p) => p.type === 'tool' && p.tool === 'todowrite'))).toBe(true);
    const body = await request(app.url, 'GET', '/provider', { key: school.admin.key });
    expect(body.text).not.toContain(secret);
  });

  it('Claude on Vertex with the platform key: token endpoint, streamed text and tool call, exact cost', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'vertex' } })).data!;
    const usage = { input: 900, output: 30, cacheRead: 0, cacheWrite: 0 };
    const notTitle = (r: { body: unknown; rawBody?: string }) => !isTitleRequest(r);
    llm.enqueueWhen(
      notTitle,
      reply()
        .text('Planning.')
        .tool('todowrite', { todos: [{ content: 'Vertex', status: 'completed', priority: 'low' }] })
        .usage(usage)
        .stop(),
    );
    llm.enqueueWhen(notTitle, reply().text('Done on Vertex.').usage(usage).stop());
    const tokensBefore = llm.tokenRequests.length;
    const res = await client.session.prompt({
      path: { id: session.id },
      body: {
        model: { providerID: 'google-vertex-anthropic', modelID: VERTEX_MODEL },
        parts: [{ type: 'text', text: 'plan it' }],
      },
    });
    const info = res.data!.info as { cost: number };
    expect(res.data!.info).toMatchObject({ providerID: 'google-vertex-anthropic', finish: 'stop' });
    expect(llm.tokenRequests.length).toBeGreaterThan(tokensBefore);
    const last = llm.lastRequest!;
    expect(last.path).toBe(
      `/v1/projects/platform-project/locations/europe-west1/publishers/anthropic/models/${VERTEX_MODEL}:streamRawPredict`,
    );
    expect(String(last.headers.authorization)).toMatch(/^Bearer ya29\.fake-/);
    expect(info.cost).toBeCloseTo(expectedCost(usage), 12);
  });

  it('SAP AI Core with the platform service key: token, deployment, a tool call and text, exact cost', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'sap' } })).data!;
    const usage = { input: 700, output: 25 };
    const notTitle = (r: { body: unknown; rawBody?: string }) => !isTitleRequest(r);
    llm.enqueueWhen(
      notTitle,
      reply()
        .tool('todowrite', { todos: [{ content: 'SAP', status: 'completed', priority: 'low' }] })
        .usage(usage)
        .stop(),
    );
    llm.enqueueWhen(notTitle, reply().text('Done on SAP.').usage(usage).stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { model: { providerID: 'sap-ai-core', modelID: SAP_MODEL }, parts: [{ type: 'text', text: 'plan it' }] },
    });
    expect(res.data!.info).toMatchObject({ providerID: 'sap-ai-core', modelID: SAP_MODEL, finish: 'stop' });
    expect(res.data!.parts.some((p) => p.type === 'text' && p.text === 'Done on SAP.')).toBe(true);
    const last = llm.lastRequest!;
    expect(last.path).toBe('/ai/v2/inference/deployments/d-orchestration/v2/completion');
    // The last turn (the assistant's tool call and its result) is the template; the rest is history.
    expect(last.body.config.modules.prompt_templating.prompt.template.map((m: { role: string }) => m.role)).toEqual([
      'assistant',
      'tool',
    ]);
    expect((res.data!.info as { cost: number }).cost).toBeCloseTo((700 * 3 + 25 * 15) / 1e6, 12);
  });

  it('Copilot answers ProviderNotSupportedError at once with the documented reason; nothing is sent', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'copilot' } })).data!;
    const before = llm.requests.length;
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { model: { providerID: 'github-copilot', modelID: 'gpt-5' }, parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(res.data!.info).toMatchObject({ error: { name: 'ProviderNotSupportedError' } });
    expect(JSON.stringify(res.data!.info)).toContain('docs/compatibility.md');
    expect(llm.requests.slice(before).filter((r) => !isTitleRequest(r))).toHaveLength(0);
  });

  it('Bedrock throttling is retried by the loop and the turn completes', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'throttle' } })).data!;
    const notTitle = (r: { body: unknown; rawBody?: string }) => !isTitleRequest(r);
    llm.enqueueWhen(notTitle, httpError(429, { 'retry-after-ms': '10' }));
    llm.enqueueWhen(notTitle, reply().text('After the throttle.').stop());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    expect(res.data!.info).toMatchObject({ providerID: 'amazon-bedrock', finish: 'stop' });
    expect(res.data!.parts.some((p) => p.type === 'text' && p.text === 'After the throttle.')).toBe(true);
  });
});
