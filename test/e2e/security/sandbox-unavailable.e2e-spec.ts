import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// A fresh machine without bubblewrap (a PATH that has none), started with the defaults: the server boots and
// serves, /ready says why commands wait, and every path that runs a command answers the typed refusal — none of
// them runs anything on the host (each command would first create a canary file).

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const canaryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-canary-'));
const canary = path.join(canaryDir, 'ran-on-host');

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, {
      command: { probe: { template: `Shell says: !\`touch ${canary}; echo from-host\`` } },
      mcp: { localtool: { type: 'local', command: ['/bin/sh', '-c', `touch ${canary}; cat`] } },
    }),
    PATH: '/nonexistent-bin',
    SANDBOX: undefined,
  });
  school = await createTenant(app.url, app.adminKey);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
  fs.rmSync(canaryDir, { recursive: true, force: true });
});

it('boots in the default mode (required), and /ready reports the sandbox as unavailable with the fix', async () => {
  expect(app.config.sandbox).toBe('required');
  const res = await request(app.url, 'GET', '/ready');
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({
    ready: true,
    sandbox: {
      mode: 'required',
      state: 'unavailable',
      bwrap: null,
      reason: expect.stringContaining('not installed'),
      fix: expect.stringMatching(/apt-get install bubblewrap.*SANDBOX=off/),
    },
  });
});

it('POST /session/{id}/shell answers 503 SandboxUnavailableError and records nothing', async () => {
  const id = (await school.student.http.post('/session', { body: {} })).body.id;
  const res = await school.student.http.post(`/session/${id}/shell`, {
    body: { agent: 'build', command: `touch ${canary}` },
  });
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({
    name: 'SandboxUnavailableError',
    data: { code: 'sandbox_unavailable', message: expect.stringMatching(/Install bubblewrap/) },
  });
  expect((await school.student.http.get(`/session/${id}/message`)).body).toEqual([]);
});

it('the bash tool fails with the typed message on its tool part', async () => {
  const s = await school.student.http.post('/session', {
    body: { permission: [{ permission: '*', pattern: '*', action: 'allow' }] },
  });
  llm.enqueueWhen(
    isChat,
    reply()
      .tool('bash', { command: `touch ${canary}`, description: 'try' }, { id: 'call_bash' })
      .stop(),
  );
  const res = await school.student.http.post(`/session/${s.body.id}/message`, {
    body: { parts: [{ type: 'text', text: 'go' }] },
  });
  expect(res.status).toBe(200);
  const parts = ((await school.student.http.get(`/session/${s.body.id}/message`)).body as any[]).flatMap(
    (m) => m.parts,
  );
  const bash = parts.find((p: any) => p.callID === 'call_bash');
  expect(bash.state).toMatchObject({
    status: 'error',
    error: expect.stringMatching(/bubblewrap sandbox is not available.*Install bubblewrap.*SANDBOX=off/),
  });
});

it('a command template with a shell span answers the typed 503', async () => {
  const id = (await school.student.http.post('/session', { body: {} })).body.id;
  const res = await school.student.http.post(`/session/${id}/command`, { body: { command: 'probe', arguments: '' } });
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ name: 'SandboxUnavailableError', data: { code: 'sandbox_unavailable' } });
});

it('a local MCP server is failed with the typed message, never started on the host', async () => {
  const res = await school.admin.http.get('/mcp');
  expect(res.status).toBe(200);
  expect(res.body.localtool).toMatchObject({
    status: 'failed',
    error: expect.stringMatching(/bubblewrap sandbox is not available/),
  });
});

it('nothing ran on the host', () => {
  expect(fs.existsSync(canary)).toBe(false);
});

it('POST /pty answers 503 SandboxUnavailableError and starts no shell', async () => {
  const res = await school.student.http.post('/pty', { body: { command: '/bin/sh', args: ['-c', `touch ${canary}`] } });
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ name: 'SandboxUnavailableError' });
  expect((await school.student.http.get('/pty')).body).toEqual([]);
  expect(fs.existsSync(canary)).toBe(false);
});
