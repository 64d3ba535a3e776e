import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, createUser } from '../../factories/tenant.factory';
import { client } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk, pricedProviderConfig, isTitleRequest, textPrompt } from './school.fixture';

// Export of a student's data, user deletion per tenant policy, and the audit log that records it all.

let app: TestApp;
let llm: FakeLlm;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Noted.').usage({ input: 20, output: 5 }).stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl, { permission: { bash: 'ask' } }),
    SANDBOX: 'off',
  });
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

describe('data lifecycle', () => {
  it("exports a student's sessions with their messages and parts as JSON", async () => {
    const school = await createTenant(app.url, app.adminKey);
    const a = expectOk(await school.student.http.post('/session', { body: { title: 'first' } }), 200, 'session').id;
    const b = expectOk(await school.student.http.post('/session', { body: { title: 'second' } }), 200, 'session').id;
    expectOk(
      await school.student.http.post(`/session/${a}/message`, { body: textPrompt('What is a prime?') }),
      200,
      'prompt',
    );
    const exported = expectOk(await school.admin.http.get(`/admin/users/${school.student.id}/export`), 200, 'export');
    expect(exported.user).toMatchObject({ id: school.student.id, role: 'student' });
    expect(exported.sessions.map((s: any) => s.info.id).sort()).toEqual([a, b].sort());
    const first = exported.sessions.find((s: any) => s.info.id === a);
    expect(first.messages.map((m: any) => m.info.role)).toEqual(['user', 'assistant']);
    expect(first.messages[0].parts[0]).toMatchObject({ type: 'text', text: 'What is a prime?' });
    expect(first.messages[1].parts.some((p: any) => p.type === 'text' && p.text === 'Noted.')).toBe(true);
    expect((await school.admin.http.get('/admin/users/usr_nope/export')).status).toBe(404);
  });

  it('deleting a user anonymises them by default: sessions stay, the name goes, keys stop working', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const student = await createUser(app.url, school.admin.key, 'student', 'Jane Doe');
    const session = expectOk(await student.http.post('/session', { body: { title: 'kept' } }), 200, 'session').id;
    expectOk(await school.admin.http.delete(`/admin/users/${student.id}`), 200, 'delete');
    // API key checks are cached for up to 5 s (ApiKeyService); after that the deleted user's key is refused.
    await waitUntil(
      "the deleted user's key to be refused",
      async () => (await student.http.get('/session')).status,
      (status) => status === 401,
      { timeoutMs: 30_000, everyMs: 250 },
    );
    expectOk(await school.admin.http.get(`/session/${session}`), 200, 'session survives');
    const log = expectOk(
      await school.admin.http.get('/admin/audit', { query: { action: 'user.delete' } }),
      200,
      'audit',
    );
    expect(log[0]).toMatchObject({ target: student.id, details: { policy: 'anonymise', sessionsRemoved: 0 } });
    const users = expectOk(await school.admin.http.get('/admin/users'), 200, 'users') as { name: string }[];
    expect(users.some((u) => u.name === 'Jane Doe')).toBe(false);
  });

  it("with userDeletion 'delete', the user's sessions are removed", async () => {
    const school = await createTenant(app.url, app.adminKey);
    expectOk(
      await client(app.url, app.adminKey).patch(`/admin/tenants/${school.id}`, {
        body: { settings: { userDeletion: 'delete' } },
      }),
      200,
      'policy',
    );
    const student = await createUser(app.url, school.admin.key, 'student');
    const session = expectOk(await student.http.post('/session', { body: { title: 'to go' } }), 200, 'session').id;
    expectOk(await student.http.post(`/session/${session}/message`, { body: textPrompt('bye') }), 200, 'prompt');
    expectOk(await school.admin.http.delete(`/admin/users/${student.id}`), 200, 'delete');
    expect((await school.admin.http.get(`/session/${session}`)).status).toBe(404);
    const log = expectOk(
      await school.admin.http.get('/admin/audit', { query: { action: 'user.delete' } }),
      200,
      'audit',
    );
    expect(log[0]).toMatchObject({ target: student.id, details: { policy: 'delete', sessionsRemoved: 1 } });
    // Usage stays for the bills; it simply no longer points at a person.
    const usage = expectOk(await school.admin.http.get('/admin/usage', { query: { groupBy: 'user' } }), 200, 'usage');
    expect(usage.total.steps).toBe(1);
  });

  it('archives sessions and lists them apart', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const session = expectOk(await school.student.http.post('/session', { body: { title: 'old' } }), 200, 'session').id;
    expectOk(
      await school.student.http.patch(`/session/${session}`, { body: { time: { archived: Date.now() } } }),
      200,
      'archive',
    );
    const archived = expectOk(
      await school.student.http.get('/session', { query: { archived: 'true' } }),
      200,
      'list',
    ) as { id: string }[];
    expect(archived.map((s) => s.id)).toContain(session);
  });
});

describe('audit log', () => {
  it('records key creation and revocation, classes and budgets, with actor and request id', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const key = expectOk(
      await school.admin.http.post('/admin/keys', { body: { name: 'laptop', userId: school.teacher.id } }),
      201,
      'key',
    );
    expectOk(await school.admin.http.delete(`/admin/keys/${key.id}`), 200, 'revoke');
    const cls = expectOk(
      await school.admin.http.post('/admin/classes', {
        body: { name: 'History' },
        headers: { 'x-request-id': 'req-audit-1' },
      }),
      201,
      'class',
    );
    expectOk(
      await school.admin.http.put('/admin/budgets', {
        body: { scope: 'tenant', metric: 'cost_month', limit: '25.50' },
      }),
      200,
      'budget',
    );

    const log = expectOk(await school.admin.http.get('/admin/audit'), 200, 'audit') as any[];
    const actions = log.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['key.create', 'key.revoke', 'class.create', 'budget.set']));
    expect(log.find((e) => e.action === 'key.create')).toMatchObject({
      actorId: school.admin.id,
      target: key.id,
      details: { userId: school.teacher.id, name: 'laptop' },
    });
    expect(log.find((e) => e.action === 'class.create')).toMatchObject({ target: cls.id, requestId: 'req-audit-1' });
    expect(log.find((e) => e.action === 'budget.set').details).toMatchObject({
      scope: 'tenant',
      metric: 'cost_month',
      limit: '25.5',
    });
    // Newest first, filterable, and nothing to edit or delete.
    expect(log.map((e) => e.time)).toEqual([...log.map((e) => e.time)].sort((x, y) => y - x));
    const onlyKeys = expectOk(
      await school.admin.http.get('/admin/audit', { query: { action: 'key.revoke' } }),
      200,
      'filter',
    ) as any[];
    expect(onlyKeys.map((e) => e.action)).toEqual(['key.revoke']);
    const future = expectOk(
      await school.admin.http.get('/admin/audit', { query: { from: new Date(Date.now() + 3600_000).toISOString() } }),
      200,
      'future',
    );
    expect(future).toEqual([]);
    expect((await school.admin.http.get('/admin/audit', { query: { limit: '0' } })).status).toBe(400);
    expect((await school.admin.http.get('/admin/audit', { query: { from: 'yesterday' } })).status).toBe(400);
    expect((await school.admin.http.delete('/admin/audit')).status).toBe(404);
  });

  it('records share links and settings and config changes; only admins read the log', async () => {
    const school = await createTenant(app.url, app.adminKey);
    expectOk(
      await school.admin.http.patch('/admin/tenants/current', { body: { settings: { shareAllowed: true } } }),
      200,
      'sharing on',
    );
    const session = expectOk(
      await school.student.http.post('/session', { body: { title: 'shared' } }),
      200,
      'session',
    ).id;
    expectOk(await school.student.http.post(`/session/${session}/share`), 200, 'share');
    expectOk(await school.student.http.delete(`/session/${session}/share`), 200, 'unshare');
    expectOk(await school.admin.http.patch('/global/config', { body: { model: 'fake/fake-model' } }), 200, 'config');
    const log = expectOk(await school.admin.http.get('/admin/audit'), 200, 'audit') as any[];
    expect(log.find((e) => e.action === 'session.share')).toMatchObject({
      actorId: school.student.id,
      target: session,
    });
    expect(log.find((e) => e.action === 'session.unshare')).toMatchObject({ target: session });
    expect(log.find((e) => e.action === 'tenant.settings')).toMatchObject({
      actorId: school.admin.id,
      details: { keys: ['shareAllowed'] },
    });
    expect(log.find((e) => e.action === 'config.update')).toMatchObject({
      actorId: school.admin.id,
      target: 'tenant',
      details: { keys: ['model'] },
    });
    // Students and teachers cannot read the log.
    expect((await school.student.http.get('/admin/audit')).status).toBe(403);
    expect((await school.teacher.http.get('/admin/audit')).status).toBe(403);
  });

  it('records permission replies', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const session = expectOk(
      await school.student.http.post('/session', { body: { title: 'tools' } }),
      200,
      'session',
    ).id;
    llm.enqueueWhen(
      (r) => !isTitleRequest(r),
      reply().tool('bash', { command: 'echo hi', description: 'say hi' }).stop(),
    );
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('ok, not running it').stop());
    expectOk(
      await school.student.http.post(`/session/${session}/prompt_async`, { body: textPrompt('run echo') }),
      204,
      'prompt',
    );
    const asked = await waitUntil(
      'a pending permission',
      async () => expectOk(await school.student.http.get('/permission'), 200, 'pending') as { id: string }[],
      (list) => list.length > 0,
      { everyMs: 200 },
    );
    expect(asked).toHaveLength(1);
    expectOk(
      await school.student.http.post(`/permission/${asked[0].id}/reply`, { body: { reply: 'reject' } }),
      200,
      'reply',
    );
    const log = expectOk(
      await school.admin.http.get('/admin/audit', { query: { action: 'permission.reply' } }),
      200,
      'audit',
    ) as any[];
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      actorId: school.student.id,
      target: asked[0].id,
      details: { sessionId: session, permission: 'bash', reply: 'reject' },
    });
  }, 60_000);

  it('validates budgets: metric, scope, whole numbers, existing targets', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const put = (body: unknown) => school.admin.http.put('/admin/budgets', { body });
    expect((await put({ scope: 'tenant', metric: 'cookies', limit: '1' })).status).toBe(400);
    expect((await put({ scope: 'planet:mars', metric: 'cost_day', limit: '1' })).status).toBe(400);
    expect((await put({ scope: 'tenant', metric: 'prompts_day', limit: '1.5' })).status).toBe(400);
    expect((await put({ scope: 'tenant', metric: 'cost_day', limit: '-1' })).status).toBe(400);
    expect((await put({ scope: 'class:cls_000000000000AAAAAAAAAAAAAA', metric: 'cost_day', limit: '1' })).status).toBe(
      404,
    );
    expect((await school.admin.http.delete('/admin/budgets/bdg_nope')).status).toBe(404);
  });

  it('validates classes: names, duplicates, members of the tenant only', async () => {
    const school = await createTenant(app.url, app.adminKey);
    const other = await createTenant(app.url, app.adminKey);
    expect((await school.admin.http.post('/admin/classes', { body: {} })).status).toBe(400);
    const cls = expectOk(await school.admin.http.post('/admin/classes', { body: { name: 'Art' } }), 201, 'class');
    expect((await school.admin.http.post('/admin/classes', { body: { name: 'Art' } })).status).toBe(409);
    expect(
      (
        await school.admin.http.post(`/admin/classes/${cls.id}/members`, {
          body: { userId: other.student.id, role: 'student' },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await school.admin.http.post(`/admin/classes/${cls.id}/members`, {
          body: { userId: school.student.id, role: 'janitor' },
        })
      ).status,
    ).toBe(400);
    expect((await school.admin.http.get('/admin/classes/not-an-id')).status).toBe(404);
  });
});
