import { randomBytes } from 'node:crypto';
import { FakeLlm, httpError, reply } from '../../fakes/llm';
import { createTenant, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Item 14.3 from the attacker's side: a teacher (project config) or a school admin (tenant config) points a
// provider at a listener of their own on loopback, hoping the platform's key (OPENAI_API_KEY in the server's
// environment, or the fake provider's options.apiKey in the platform config) or the school's stored key follows.

const PLATFORM_KEY = `sk-platform-${randomBytes(6).toString('hex')}`;
const SCHOOL_KEY = `sk-school-${randomBytes(6).toString('hex')}`;
const TEACHER_KEY = `sk-teacher-${randomBytes(6).toString('hex')}`;

let platformLlm: FakeLlm;
/** A listener the platform never allowed. */
let attacker: FakeLlm;
/** A listener on the platform's allow-list (EGRESS_ALLOW, this port only): a school's self-hosted model. */
let allowed: FakeLlm;
let app: TestApp;
let school: TestTenant;

beforeAll(async () => {
  [platformLlm, attacker, allowed] = await Promise.all([
    FakeLlm.start({ chunkDelayMs: 0 }),
    FakeLlm.start({ chunkDelayMs: 0 }),
    FakeLlm.start({ chunkDelayMs: 0 }),
  ]);
  attacker.setDefaultReply(reply().text('from the attacker').stop());
  allowed.setDefaultReply(reply().text('from the allowed endpoint').stop());
  app = await boot({ EGRESS_ALLOW: new URL(allowed.url).host });
  school = await createTenant(app.url, app.adminKey);
  expect((await school.admin.http.put('/auth/openai', { body: { type: 'api', key: SCHOOL_KEY } })).status).toBe(200);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await Promise.all([platformLlm?.stop(), attacker?.stop(), allowed?.stop()]);
}, 120_000);

function boot(extra: Record<string, string> = {}): Promise<TestApp> {
  return startTestApp({
    // The platform: its fake provider (key in options) plus the openai preset keyed from the environment.
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(platformLlm.openaiBaseUrl, { enabled_providers: ['fake', 'openai'] }),
    OPENAI_API_KEY: PLATFORM_KEY,
    ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
    ...extra,
  });
}

/** One prompt in a fresh session (with the configured default model when `model` is omitted). */
async function prompt(user: TestUser, model?: string): Promise<Record<string, any>> {
  const session = await user.http.post('/session', { body: { title: 'egress' } });
  const [providerID, modelID] = (model ?? '').split('/');
  const res = await user.http.post(`/session/${session.body.id}/message`, {
    body: { ...(model ? { model: { providerID, modelID } } : {}), parts: [{ type: 'text', text: 'hi' }] },
  });
  if (!res.body.info) throw new Error(`prompt failed: HTTP ${res.status} ${res.text}`);
  return res.body.info;
}

/** What reached the allowed listener, with the secrets it carried. */
function loot(since: number): string[] {
  return allowed.requests
    .slice(since)
    .map((r) => `${r.headers.authorization ?? ''} ${r.headers['x-api-key'] ?? ''} ${r.headers['api-key'] ?? ''}`);
}

describe('without an allow-list entry for the listener', () => {
  it.each([
    ['openai (platform env key)', 'openai', 'openai/gpt-5-mini'],
    ['fake (platform options.apiKey)', 'fake', 'fake/fake-model'],
  ])(
    "a teacher's project config moving %s to their listener gets no request at all",
    async (_what, provider, model) => {
      const tenant = await createTenant(app.url, app.adminKey);
      const patched = await tenant.teacher.http.patch('/config', {
        body: { provider: { [provider]: { options: { baseURL: attacker.openaiBaseUrl } } } },
      });
      expect(patched.status).toBe(200);
      const before = attacker.requests.length;
      const info = await prompt(tenant.teacher, model);
      expect(info.error).toBeDefined();
      expect(attacker.requests.length).toBe(before);
      expect(JSON.stringify(info)).not.toContain(PLATFORM_KEY);
    },
  );

  it("a school admin's tenant config gets neither the platform's key nor, on loopback, its own stored key there", async () => {
    const patched = await school.admin.http.patch('/global/config', {
      body: { provider: { openai: { options: { baseURL: attacker.openaiBaseUrl } } } },
    });
    expect(patched.status).toBe(200);
    const before = attacker.requests.length;
    const info = await prompt(school.admin, 'openai/gpt-5-mini');
    expect(info.error).toMatchObject({ data: { message: expect.stringMatching(/refused.*loopback/) } });
    expect(attacker.requests.length).toBe(before);
  });

  it('a teacher with their own key is still refused: loopback is not on the platform allow-list', async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    await tenant.teacher.http.patch('/config', {
      body: { provider: { openai: { options: { baseURL: attacker.openaiBaseUrl, apiKey: TEACHER_KEY } } } },
    });
    const before = attacker.requests.length;
    const info = await prompt(tenant.teacher, 'openai/gpt-5-mini');
    expect(JSON.stringify(info.error)).toMatch(
      /refused.*127\.0\.0\.1, a loopback address|127\.0\.0\.1 is a loopback address/,
    );
    expect(attacker.requests.length).toBe(before);
  });

  it("a provider's error body and headers reach the log, not the student's message", async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    const marker = `acct-${randomBytes(4).toString('hex')}`;
    const notTitle = (r: { body: unknown }) => !JSON.stringify(r.body).includes('Write a title');
    platformLlm.enqueueWhen(
      notTitle,
      httpError(
        400,
        { 'x-account-id': marker },
        { error: { message: 'Bad request', type: 'invalid_request_error', account: marker } },
      ),
    );
    const info = await prompt(tenant.student);
    expect(info.error).toMatchObject({ name: 'APIError', data: { statusCode: 400 } });
    expect(JSON.stringify(info)).not.toContain(marker);
    const messages = await tenant.student.http.get(`/session/${info.sessionID}/message`);
    expect(messages.text).not.toContain(marker);
  });

  it("enabled_providers from a lower layer cannot widen the platform's list", async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    await tenant.admin.http.patch('/global/config', { body: { enabled_providers: ['fake', 'openai', 'anthropic'] } });
    const info = await prompt(tenant.admin, 'anthropic/claude-haiku-4-5');
    expect(JSON.stringify(info)).toMatch(/not enabled|ProviderModelNotFound|Provider not found/);
  });
});

describe('with the listener on the platform allow-list', () => {
  it("a teacher's own key reaches their endpoint; the platform's never does", async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    await tenant.teacher.http.patch('/config', {
      body: { provider: { openai: { options: { baseURL: allowed.openaiBaseUrl, apiKey: TEACHER_KEY } } } },
    });
    const before = allowed.requests.length;
    const info = await prompt(tenant.teacher, 'openai/gpt-5-mini');
    expect(info.error).toBeUndefined();
    const seen = loot(before);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.join('\n')).toContain(TEACHER_KEY);
    expect(seen.join('\n')).not.toContain(PLATFORM_KEY);
  });

  it("without their own key a teacher's endpoint gets nothing, and the error says why", async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    expect((await tenant.admin.http.put('/auth/openai', { body: { type: 'api', key: SCHOOL_KEY } })).status).toBe(200);
    await tenant.teacher.http.patch('/config', {
      body: { provider: { openai: { options: { baseURL: allowed.openaiBaseUrl } } } },
    });
    const before = allowed.requests.length;
    const info = await prompt(tenant.teacher, 'openai/gpt-5-mini');
    expect(info.error).toMatchObject({ name: 'ProviderAuthError' });
    expect(info.error.data.message).toMatch(
      /set in the project config, so the platform's and the school's keys are not sent there/,
    );
    expect(allowed.requests.length).toBe(before);
  });

  it("a school's endpoint gets the school's stored key, never the platform's", async () => {
    const tenant = await createTenant(app.url, app.adminKey);
    expect((await tenant.admin.http.put('/auth/openai', { body: { type: 'api', key: SCHOOL_KEY } })).status).toBe(200);
    await tenant.admin.http.patch('/global/config', {
      body: { provider: { openai: { options: { baseURL: allowed.openaiBaseUrl } } } },
    });
    const before = allowed.requests.length;
    const info = await prompt(tenant.admin, 'openai/gpt-5-mini');
    expect(info.error).toBeUndefined();
    const seen = loot(before).join('\n');
    expect(seen).toContain(SCHOOL_KEY);
    expect(seen).not.toContain(PLATFORM_KEY);
  });
});
