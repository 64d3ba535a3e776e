import { randomBytes } from 'node:crypto';
import { createOpencodeClient } from '@opencode-ai/sdk';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Provider credentials per tenant (PUT/DELETE /auth/{providerID}), catalogue models, zero-config errors.

let llm: FakeLlm;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
});

afterAll(() => llm?.stop());

function sdk(app: TestApp, key: string) {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
}

describe('with ENCRYPTION_KEYS and the openai preset pointed at the fake LLM', () => {
  let app: TestApp;
  let school: TestTenant;

  beforeAll(async () => {
    const config = {
      provider: { openai: { options: { baseURL: llm.openaiBaseUrl } } },
      model: 'openai/gpt-5-mini',
      small_model: 'openai/gpt-5-mini',
      enabled_providers: ['openai'],
    };
    app = await startTestApp({
      OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
      ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
      ALLOW_ENV_PROVIDER_KEYS: 'false',
    });
    school = await createTenant(app.url, app.adminKey);
  });

  afterAll(() => app?.close());

  it('a stored key is used for the tenant, never returned, and deleting it fails prompts at once', async () => {
    const secret = `sk-test-${randomBytes(8).toString('hex')}`;
    const put = await request(app.url, 'PUT', '/auth/openai', {
      key: school.admin.key,
      body: { type: 'api', key: secret },
    });
    expect(put.status).toBe(200);
    expect(put.body).toBe(true);

    const client = sdk(app, school.admin.key);
    const session = (await client.session.create({ body: { title: 'keys' } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('paid answer').usage({ input: 1000, output: 100 }).stop());
    const before = llm.requests.length;
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(res.data!.info).toMatchObject({ providerID: 'openai', modelID: 'gpt-5-mini', finish: 'stop' });
    const sent = llm.requests.slice(before).find((r) => !isTitleRequest(r))!;
    expect(sent.headers.authorization).toBe(`Bearer ${secret}`);
    // Catalogue prices apply: the step has a non-zero cost.
    expect((res.data!.info as { cost: number }).cost).toBeGreaterThan(0);

    for (const route of ['/provider', '/config/providers', '/config']) {
      const body = await request(app.url, 'GET', route, { key: school.admin.key });
      expect(body.status).toBe(200);
      expect(body.text).not.toContain(secret);
    }

    // Another school has no key: its prompt fails at once with ProviderAuthError, no request reaches the LLM.
    const other = await createTenant(app.url, app.adminKey);
    const otherClient = sdk(app, other.admin.key);
    const otherSession = (await otherClient.session.create({ body: { title: 'no key' } })).data!;
    const count = llm.requests.length;
    const failed = await otherClient.session.prompt({
      path: { id: otherSession.id },
      body: { parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(failed.data!.info).toMatchObject({ error: { name: 'ProviderAuthError' } });
    expect(JSON.stringify(failed.data!.info)).toContain('OPENAI_API_KEY');
    expect(llm.requests.length).toBe(count);

    const del = await request(app.url, 'DELETE', '/auth/openai', { key: school.admin.key });
    expect(del.status).toBe(200);
    const again = await request(app.url, 'DELETE', '/auth/openai', { key: school.admin.key });
    expect(again.status).toBe(404);
    const after = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'again' }] },
    });
    expect(after.data!.info).toMatchObject({ error: { name: 'ProviderAuthError' } });
  });

  it('only admins store keys; bad bodies are 400', async () => {
    const student = await createUser(app.url, school.admin.key, 'student');
    expect(
      (await request(app.url, 'PUT', '/auth/openai', { key: student.key, body: { type: 'api', key: 'x' } })).status,
    ).toBe(403);
    const bad = await request(app.url, 'PUT', '/auth/openai', { key: school.admin.key, body: { type: 'api' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ name: 'BadRequest', data: { message: expect.stringContaining('key') } });
    expect(
      (
        await request(app.url, 'PUT', '/auth/Not A Provider', {
          key: school.admin.key,
          body: { type: 'api', key: 'x' },
        })
      ).status,
    ).toBe(400);
  });
});

describe('zero-config', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ OPENCODE_CONFIG_CONTENT: undefined, ALLOW_ENV_PROVIDER_KEYS: 'false' });
  });

  afterAll(() => app?.close());

  it('a prompt with no provider configured fails at once with a clear error naming what to set', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const client = sdk(app, school.admin.key);
    const session = (await client.session.create({ body: {} })).data!;
    // "At once" is the 400 itself: a prompt that reached the loop would answer 200 with an error on the message.
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(res.response.status).toBe(400);
    expect(res.error).toMatchObject({
      name: 'BadRequest',
      data: { code: 'no_model', message: expect.stringContaining('OPENAI_API_KEY') },
    });
  });

  it('PUT /auth without ENCRYPTION_KEYS is refused clearly', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const res = await request(app.url, 'PUT', '/auth/openai', {
      key: school.admin.key,
      body: { type: 'api', key: 'sk-x' },
    });
    expect(res.status).toBe(400);
    expect(res.body.data.code).toBe('encryption_not_configured');
  });
});
