import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPair, SignJWT } from 'jose';
import { egressGuard } from '../../../src/core/net/egress';
import { ToolRegistry } from '../../../src/modules/tool/tool.registry';
import { FakeLlm } from '../../fakes/llm';
import { FakeWebServer } from '../../fakes/web/fake-web.server';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { connectTripwire, hostileResolver, hostileUrls, type HostileUrl } from '../../utils/hostile-urls';
import { client } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Item 14.4: every outbound caller made on a tenant's behalf, against every row of the shared hostile-URL
// table. Each refusal must happen before a socket opens: a tripwire refuses (and records) any connection but
// to the app's own services, and a loopback listener on the table's port counts what would have got through.

let app: TestApp;
let llm: FakeLlm;
let web: FakeWebServer;
let watched: http.Server;
let watchedHits = 0;
let school: TestTenant;
let rows: HostileUrl[];
let tripwire: ReturnType<typeof connectTripwire>;

beforeAll(async () => {
  [llm, web] = await Promise.all([FakeLlm.start({ chunkDelayMs: 0 }), FakeWebServer.start()]);
  watched = http.createServer((_req, res) => res.end('reached'));
  watched.on('connection', () => void watchedHits++);
  await new Promise<void>((resolve) => watched.listen(0, '127.0.0.1', resolve));
  rows = hostileUrls((watched.address() as AddressInfo).port);
  // The web fake plays an MCP server that sends OAuth discovery elsewhere: allowed by the platform, port only.
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, { enabled_providers: ['fake', 'openai'] }),
    OPENAI_API_KEY: `sk-platform-${randomBytes(4).toString('hex')}`,
    ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
    EGRESS_ALLOW: `127.0.0.1:${web.port}`,
    SANDBOX: 'off',
  });
  // Names in the table resolve through the test's resolver: no DNS query leaves the machine.
  Object.assign(egressGuard(app.config.egressAllow).options, { resolver: hostileResolver() });
  school = await createTenant(app.url, app.adminKey);
  const portOf = (url: string | undefined, fallback: number) =>
    Number((url && /:(\d+)(\/|$)/.exec(url.replace(/^[a-z]+:\/\/[^@]*@/, ''))?.[1]) || fallback);
  const ports = [portOf(app.url, 0), llm.port, web.port, portOf(app.database?.url, 5432), portOf(app.redisUrl, 6379)];
  tripwire = connectTripwire(() => ports);
}, 120_000);

afterAll(async () => {
  tripwire?.restore();
  await app?.close();
  await Promise.all([llm?.stop(), web?.close(), new Promise((resolve) => watched?.close(resolve))]);
}, 120_000);

/** Each caller tries one URL and answers the refusal text it saw (undefined when it was not refused). */
type Caller = (url: string, index: number) => Promise<string | undefined>;

const callers: Record<string, Caller> = {
  async webfetch(url) {
    const tool = app.running.app.get(ToolRegistry).get('webfetch')!;
    const ctx = {
      auth: { tenantId: school.id, userId: school.student.id, role: 'student' },
      sessionId: 'ses_x',
      messageId: 'msg_x',
      callId: 'c',
      agent: 'build',
      abort: new AbortController().signal,
      ask: async () => undefined,
      metadata: () => undefined,
    };
    try {
      await tool.execute({ url, format: 'text' }, ctx as never);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  },

  async 'remote MCP server'(url, index) {
    const added = await school.admin.http.post('/mcp', {
      body: { name: `hostile-${index}`, config: { type: 'remote', url, oauth: false, timeout: 3000 } },
    });
    if (added.status !== 200) return `HTTP ${added.status}: ${added.text}`;
    const status = added.body[`hostile-${index}`];
    return status?.status === 'failed' ? status.error : undefined;
  },

  async 'MCP OAuth discovery'(url, index) {
    // An allowed server answers 401 and names the hostile URL as its resource metadata.
    web.on(`/mcp-${index}`, {
      status: 401,
      headers: { 'www-authenticate': `Bearer resource_metadata="${url}"` },
      body: '',
    });
    const added = await school.admin.http.post('/mcp', {
      body: { name: `discover-${index}`, config: { type: 'remote', url: web.url(`/mcp-${index}`), timeout: 3000 } },
    });
    if (added.status !== 200) return `HTTP ${added.status}: ${added.text}`;
    const status = added.body[`discover-${index}`];
    if (status?.status === 'needs_auth') {
      const started = await school.admin.http.post(`/mcp/discover-${index}/auth`, { body: {} });
      return started.status >= 400 ? started.text : undefined;
    }
    return status?.status === 'failed' ? status.error : undefined;
  },

  async JWKS(url) {
    const tenant = school;
    const issuer = `https://sso-${randomBytes(4).toString('hex')}.example`;
    const put = await tenant.admin.http.put('/admin/jwt', { body: { issuer, audience: 'opencode', jwksUrl: url } });
    if (put.status !== 200) return `HTTP ${put.status}: ${put.text}`;
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ role: 'student' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer(issuer)
      .setAudience('opencode')
      .setSubject('u1')
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await client(app.url, token).get('/session');
    return res.status === 401 ? 'refused: token not verified' : undefined;
  },

  async 'provider endpoint (teacher, own key)'(url) {
    const tenant = school;
    await tenant.teacher.http.patch('/config', {
      body: { provider: { openai: { options: { baseURL: url, apiKey: 'sk-teacher-own' } } } },
    });
    const session = await tenant.teacher.http.post('/session', { body: {} });
    const res = await tenant.teacher.http.post(`/session/${session.body.id}/message`, {
      body: { model: { providerID: 'openai', modelID: 'gpt-5-mini' }, parts: [{ type: 'text', text: 'hi' }] },
    });
    const error = res.body?.info?.error;
    return error ? JSON.stringify(error) : res.status >= 400 ? res.text : undefined;
  },
};

describe.each(Object.keys(callers))('%s', (name) => {
  it('refuses every hostile URL before connecting', async () => {
    const before = { hits: watchedHits, attempts: tripwire.attempts.length, llm: llm.requests.length };
    const missed: string[] = [];
    for (const [index, row] of rows.entries()) {
      const refusal = await callers[name](row.url, index);
      if (!refusal) missed.push(`${row.url} (${row.why})`);
    }
    expect(missed).toEqual([]);
    expect(tripwire.attempts.slice(before.attempts)).toEqual([]);
    expect(watchedHits).toBe(before.hits);
    expect(llm.requests.length - before.llm).toBeLessThanOrEqual(rows.length * 2); // titles only, never a provider call elsewhere
  }, 300_000);
});

it('the refusals name the guard, not a network failure (spot check per caller)', async () => {
  const metadata = 'http://169.254.169.254/latest/meta-data/';
  expect(await callers.webfetch(metadata, 900)).toMatch(/cloud metadata/);
  expect(await callers['remote MCP server'](metadata, 901)).toMatch(/cloud metadata/);
  expect(await callers['provider endpoint (teacher, own key)'](metadata, 902)).toMatch(/cloud metadata/);
}, 120_000);
