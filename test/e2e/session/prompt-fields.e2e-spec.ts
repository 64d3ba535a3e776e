import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat } from '../agent/kit';

// Issue 19 item 3: prompt and session fields OpenCode's clients send do what they say (the `tools` map, session
// `metadata` and `workspaceID`), written from the attacker's side first.

let app: TestApp;
let llm: FakeLlm;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function school(config?: Record<string, unknown>): Promise<TestTenant> {
  const s = await createTenant(app.url, app.adminKey);
  if (config) expect((await s.admin.http.patch('/global/config', { body: config })).status).toBe(200);
  return s;
}

async function session(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const res = await user.http.post('/session', { body });
  expect(res.status).toBe(200);
  return res.body.id;
}

/** Sends one prompt and returns the tool names offered in its first loop request. */
async function offered(user: TestUser, id: string, body: Record<string, unknown>): Promise<string[]> {
  const before = llm.requests.length;
  const res = await user.http.post(`/session/${id}/message`, {
    body: { parts: [{ type: 'text', text: 'go' }], ...body },
  });
  expect(res.status).toBe(200);
  const sent = llm.requests.slice(before).find(isChat) as { body: { tools?: { function: { name: string } }[] } };
  return (sent.body.tools ?? []).map((t) => t.function.name);
}

describe('the `tools` map', () => {
  it('a student cannot enable a tool the school denies: `tools: {bash: true}` leaves bash unoffered', async () => {
    const s = await school({ permission: { bash: 'deny' } });
    const id = await session(s.student);
    const tools = await offered(s.student, id, { tools: { bash: true, read: true } });
    expect(tools).toContain('read');
    expect(tools).not.toContain('bash');
    // The rules were stored as session rules (narrow-only), and the next prompt without a map still hides bash.
    const info = (await s.student.http.get(`/session/${id}`)).body;
    expect(info.permission).toEqual(expect.arrayContaining([{ permission: 'bash', pattern: '*', action: 'allow' }]));
    expect(await offered(s.student, id, {})).not.toContain('bash');
  });

  it('a student cannot enable what their role rules deny either', async () => {
    const s = await school({ role_permission: { student: { webfetch: 'deny' } } });
    const id = await session(s.student);
    expect(await offered(s.student, id, { tools: { webfetch: true } })).not.toContain('webfetch');
  });

  it('`false` turns a tool off for the session; `true` turns it back on (only the session layer spoke)', async () => {
    const s = await school();
    const id = await session(s.student);
    expect(await offered(s.student, id, { tools: { glob: false } })).not.toContain('glob');
    expect(await offered(s.student, id, {})).not.toContain('glob');
    expect(await offered(s.student, id, { tools: { glob: true } })).toContain('glob');
  });

  it('a teacher reading a student session cannot change its rules through a prompt; bad maps are 400', async () => {
    const s = await school();
    const id = await session(s.student);
    const res = await s.teacher.http.post(`/session/${id}/message`, {
      body: { parts: [{ type: 'text', text: 'x' }], tools: { bash: false } },
    });
    expect([403, 404]).toContain(res.status);
    expect((await s.student.http.get(`/session/${id}`)).body.permission).toBeUndefined();
    const bad = await s.student.http.post(`/session/${id}/message`, {
      body: { parts: [{ type: 'text', text: 'x' }], tools: 'bash' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.name).toBe('BadRequest');
  });
});

describe('session metadata and workspaceID', () => {
  it('POST /session keeps workspaceID and metadata; the list filters by workspace', async () => {
    const s = await school();
    const res = await s.student.http.post('/session', { body: { workspaceID: 'wrk_lab1', metadata: { lab: 1 } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ workspaceID: 'wrk_lab1', metadata: { lab: 1 } });
    const other = await session(s.student);
    const listed = (await s.student.http.get('/session?workspace=wrk_lab1')).body as { id: string }[];
    expect(listed.map((x) => x.id)).toEqual([res.body.id]);
    expect(listed.map((x) => x.id)).not.toContain(other);
    expect((await s.student.http.get(`/session/${res.body.id}`)).body.workspaceID).toBe('wrk_lab1');
  });

  it('a workspaceID that is not `wrk…` is 400, never stored', async () => {
    const s = await school();
    for (const workspaceID of ['lab', 'wrk', 'wrk/../x', 42, 'wrk_' + 'a'.repeat(80)]) {
      const res = await s.student.http.post('/session', { body: { workspaceID } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ name: 'BadRequest' });
    }
  });

  it('PATCH /session keeps metadata (the last object sent), leaves it when omitted, 400 for a non-object', async () => {
    const s = await school();
    const id = await session(s.student, { metadata: { a: 1 } });
    const patched = await s.student.http.patch(`/session/${id}`, { body: { metadata: { b: 2 } } });
    expect(patched.status).toBe(200);
    expect(patched.body.metadata).toEqual({ b: 2 });
    expect((await s.student.http.patch(`/session/${id}`, { body: { title: 't' } })).body.metadata).toEqual({ b: 2 });
    expect((await s.student.http.get(`/session/${id}`)).body.metadata).toEqual({ b: 2 });
    const bad = await s.student.http.patch(`/session/${id}`, { body: { metadata: 'x' } });
    expect(bad.status).toBe(400);
  });

  it("another school's admin and the student's teacher cannot patch a session's metadata (404)", async () => {
    const s = await school();
    const other = await school();
    const id = await session(s.student, { metadata: { mine: true } });
    expect((await other.admin.http.patch(`/session/${id}`, { body: { metadata: { x: 1 } } })).status).toBe(404);
    const teacher = await s.teacher.http.patch(`/session/${id}`, { body: { metadata: { x: 1 } } });
    expect([403, 404]).toContain(teacher.status);
    expect((await s.student.http.get(`/session/${id}`)).body.metadata).toEqual({ mine: true });
  });
});
