import { createOpencodeClient } from '@opencode-ai/sdk';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// A school's role layer (role_permission in the tenant config) is locked: it wins over project config, session
// rules and "always" approvals.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function bashThrough(key: string, command: string) {
  const client = createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
  const session = (await client.session.create({ body: { title: 'role rules' } })).data!;
  llm.enqueueWhen((r) => !isTitleRequest(r), reply().tool('bash', { command, description: 'Print a word' }).stop());
  llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('done').stop());
  await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'run it' }] } });
  const messages = (await client.session.messages({ path: { id: session.id } })).data!;
  return messages.flatMap((m) => m.parts).find((p) => p.type === 'tool') as {
    state: { status: string; output?: string; error?: string };
  };
}

it('denies bash for students only, and a project config cannot re-open it', async () => {
  const set = await request(app.url, 'PATCH', '/global/config', {
    key: school.admin.key,
    body: { role_permission: { student: { bash: 'deny' } } },
  });
  expect(set.status).toBe(200);
  // A teacher tries to re-allow bash in the project layer.
  const loosen = await request(app.url, 'PATCH', '/config', {
    key: school.teacher.key,
    body: { permission: { bash: 'allow' } },
  });
  expect(loosen.status).toBe(200);

  const before = llm.requests.length;
  const student = await bashThrough(school.student.key, 'echo student-ran');
  // A tool denied outright is not even offered to the model; a call to it anyway never runs.
  const sent = llm.requests.slice(before).filter((r) => !isTitleRequest(r))[0];
  const offered = ((sent.body as { tools?: { function: { name: string } }[] }).tools ?? []).map((t) => t.function.name);
  expect(offered).not.toContain('bash');
  expect(offered).toContain('read');
  expect(JSON.stringify(student.state)).not.toContain('student-ran\n');
  expect(JSON.stringify(student.state)).toMatch(/unknown tool|not available|invalid/i);

  const admin = await bashThrough(school.admin.key, 'echo admin-ran');
  expect(admin.state).toMatchObject({ status: 'completed' });
  expect(admin.state.output).toContain('admin-ran');
});

it('validates role_permission like any permission config', async () => {
  const bad = await request(app.url, 'PATCH', '/global/config', {
    key: school.admin.key,
    body: { role_permission: { student: { bash: 'sometimes' } } },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.name).toBe('ConfigInvalidError');
  const unknownRole = await request(app.url, 'PATCH', '/global/config', {
    key: school.admin.key,
    body: { role_permission: { janitor: 'deny' } },
  });
  expect(unknownRole.status).toBe(400);
});
