import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// SANDBOX=optional, chosen explicitly, on a machine without bubblewrap: commands run on the host, and each one is
// marked on its tool part and written to the school's audit log.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    PATH: '/nonexistent-bin',
    SANDBOX: 'optional',
  });
  school = await createTenant(app.url, app.adminKey);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

it('/ready says commands run unsandboxed', async () => {
  expect((await request(app.url, 'GET', '/ready')).body.sandbox).toMatchObject({
    mode: 'optional',
    state: 'unsandboxed',
  });
});

it('the session shell and the bash tool run on the host, marked sandboxed: false, each written to the audit log', async () => {
  const first = (await school.student.http.post('/session', { body: {} })).body.id;
  const shell = await school.student.http.post(`/session/${first}/shell`, {
    body: { agent: 'build', command: 'echo via-shell' },
  });
  expect(shell.status).toBe(200);
  expect(shell.body.parts[0].state).toMatchObject({ status: 'completed', metadata: { sandboxed: false } });

  const second = await school.student.http.post('/session', {
    body: { permission: [{ permission: '*', pattern: '*', action: 'allow' }] },
  });
  llm.enqueueWhen(
    isChat,
    reply().tool('bash', { command: 'echo via-bash', description: 'echo' }, { id: 'call_bash' }).stop(),
  );
  await school.student.http.post(`/session/${second.body.id}/message`, {
    body: { parts: [{ type: 'text', text: 'go' }] },
  });
  const parts = ((await school.student.http.get(`/session/${second.body.id}/message`)).body as any[]).flatMap(
    (m) => m.parts,
  );
  expect(parts.find((p: any) => p.callID === 'call_bash').state).toMatchObject({
    status: 'completed',
    metadata: { sandboxed: false, network: 'host' },
  });

  const log = (await school.admin.http.get('/admin/audit', { query: { action: 'sandbox.unsandboxed_run' } }))
    .body as any[];
  expect(log.map((entry) => [entry.target, entry.actorId, entry.details.command, entry.details.mode])).toEqual(
    expect.arrayContaining([
      ['shell', school.student.id, 'echo via-shell', 'optional'],
      ['bash', school.student.id, 'echo via-bash', 'optional'],
    ]),
  );
}, 60_000);
