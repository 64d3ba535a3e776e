import fs from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { createTenant, createUser } from '../../factories/tenant.factory';
import { FakeLlm, reply } from '../../fakes/llm';
import { fetchBytes, readTarGzEntries } from '../../utils/archive-builder';
import { client } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { createSchool, expectOk, pricedProviderConfig, textPrompt, type School } from '../school/school.fixture';

// A person's data on request, from every side: the school's admin exports everything in one call and erases it
// with a report that checks every place it lived (rows, folders on disk, the replay window, stored jobs); nobody
// else may. A deleted school leaves no folders. Retention removes what is older than the school keeps, after a dry
// run that removes nothing. The school's AI disclosure opens each session's first answer.

jest.setTimeout(120_000);

let app: TestApp;
let llm: FakeLlm;
let school: School;
let pg: PgClient;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Start with the smallest case.').usage({ input: 10, output: 5 }).stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createSchool(app.url, app.adminKey);
  pg = new PgClient({ connectionString: app.config.databaseUrl });
  await pg.connect();
});

afterAll(async () => {
  await pg?.end();
  await app?.close();
  await llm?.stop();
});

/** A student with a session, an answer, a file in their workspace; returns what the test checks. */
async function busyStudent(adminKey: string) {
  const student = await createUser(app.url, adminKey, 'student');
  const session = expectOk(await student.http.post('/session', { body: { title: 'Loops' } }), 200, 'session');
  expectOk(await student.http.post(`/session/${session.id}/message`, { body: textPrompt('hi') }), 200, 'prompt');
  expectOk(
    await student.http.put('/classroom/workspace/file', {
      query: { directory: session.directory, path: 'notes.txt' },
      body: Buffer.from('my notes\n'),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    200,
    'upload',
  );
  const { rows } = await pg.query(`SELECT id, slug, "tenantId" FROM "Project" WHERE "ownerId" = $1`, [student.id]);
  const dirs = rows.map((p) => path.join(app.config.workspaceRoot, p.tenantId, p.slug));
  return { student, session, dirs, projects: rows as { id: string; tenantId: string }[] };
}

describe('export and erasure', () => {
  it('the admin exports one student in one call: JSON and a tar.gz with the workspace', async () => {
    const { student, session, dirs } = await busyStudent(school.users.admin.key);
    expect(dirs.length).toBeGreaterThan(0);
    const data = expectOk(await school.http.admin.get(`/admin/users/${student.id}/export`), 200, 'export');
    expect(data.user).toMatchObject({ id: student.id });
    expect(data.sessions).toEqual([expect.objectContaining({ info: expect.objectContaining({ id: session.id }) })]);
    expect(data.sessions[0].messages.length).toBeGreaterThanOrEqual(2);
    expect(data.usage.length).toBeGreaterThan(0);
    expect(data.usage[0]).toMatchObject({ userId: student.id, cost: expect.any(String) });
    expect(data.audit.some((a: { action: string }) => a.action === 'workspace.upload')).toBe(true);

    const archive = await fetchBytes(
      `${app.url}/admin/users/${student.id}/export?format=tar.gz`,
      school.users.admin.key,
    );
    expect(archive.status).toBe(200);
    expect(archive.headers.get('content-type')).toContain('application/gzip');
    const entries = await readTarGzEntries(archive.bytes);
    expect(JSON.parse(entries.get('export.json')!).sessions).toHaveLength(1);
    expect([...entries.entries()].some(([name, text]) => name.endsWith('/notes.txt') && text === 'my notes\n')).toBe(
      true,
    );

    for (const http of [school.http.teacher, school.http.student])
      expect((await http.get(`/admin/users/${student.id}/export`)).status).toBe(403);
    expect((await school.http.otherTenant.get(`/admin/users/${student.id}/export`)).status).toBe(404);
    expect(
      (await school.http.admin.get(`/admin/users/${student.id}/export`, { query: { format: 'zip' } })).status,
    ).toBe(400);
  });

  it('erasure removes the student everywhere, verifies it, and reports both', async () => {
    const { student, session, dirs, projects } = await busyStudent(school.users.admin.key);
    const snapshotRepos = projects.map((p) => path.join(app.config.snapshotRoot, p.tenantId, p.id));
    expect(dirs.every((d) => fs.existsSync(d))).toBe(true);

    for (const [http, status] of [
      [school.http.teacher, 403],
      [school.http.student, 403],
      [school.http.otherTenant, 404],
    ] as const)
      expect((await http.delete(`/admin/users/${student.id}/data`)).status).toBe(status);
    expect((await school.http.admin.delete(`/admin/users/${school.users.admin.id}/data`)).status).toBe(403);
    expect((await school.http.admin.delete('/admin/users/usr_nope/data')).status).toBe(404);

    const report = expectOk(await school.http.admin.delete(`/admin/users/${student.id}/data`), 200, 'erase');
    expect(report).toMatchObject({ userID: student.id, complete: true, kept: { user: 'anonymised' } });
    expect(report.removed).toMatchObject({ sessions: 1, workspaceDirs: dirs.length, apiKeys: 1 });
    expect(report.removed.messages).toBeGreaterThanOrEqual(2);
    expect(report.removed.replayEvents).toBeGreaterThan(0);
    expect(report.removed.usageRecordsDetached).toBeGreaterThan(0);
    for (const [k, v] of Object.entries(report.verified)) expect([k, v]).toEqual([k, 0]);

    // Checked from outside too: folders, rows, the replay window, the account.
    expect(dirs.concat(snapshotRepos).filter((d) => fs.existsSync(d))).toEqual([]);
    const left = await pg.query(
      `SELECT (SELECT count(*) FROM "Session" WHERE id = $1)::int AS s, (SELECT count(*) FROM "Message" WHERE "sessionId" = $1)::int AS m,
              (SELECT count(*) FROM "UsageRecord" WHERE "userId" = $2)::int AS u`,
      [session.id, student.id],
    );
    expect(left.rows[0]).toEqual({ s: 0, m: 0, u: 0 });
    const replay = await SseClient.open(app.url, '/event', { key: school.users.admin.key, lastEventId: '0-0' });
    await replay.waitFor((f) => f.data?.type === 'server.connected');
    replay.close();
    expect(replay.rawText).not.toContain(session.id);
    expect((await student.http.get('/session')).status).toBe(401);
    expect((await school.http.admin.get(`/admin/users/${student.id}/export`)).status).toBe(404);
  });

  it('deleting a user (delete policy) or a whole school removes their folders on disk', async () => {
    const t = await createTenant(app.url, app.adminKey);
    const admin = client(app.url, t.admin.key);
    expectOk(
      await admin.patch('/admin/tenants/current', { body: { settings: { userDeletion: 'delete' } } }),
      200,
      'policy',
    );
    const a = await busyStudent(t.admin.key);
    const b = await busyStudent(t.admin.key);
    expectOk(await admin.delete(`/admin/users/${a.student.id}`), 200, 'delete user');
    expect(a.dirs.filter((d) => fs.existsSync(d))).toEqual([]);
    expect(b.dirs.every((d) => fs.existsSync(d))).toBe(true);

    expectOk(await client(app.url, app.adminKey).delete(`/admin/tenants/${t.id}`), 200, 'delete school');
    for (const root of [app.config.workspaceRoot, app.config.snapshotRoot])
      expect(fs.existsSync(path.join(root, t.id))).toBe(false);
  });
});

describe('retention and disclosure', () => {
  it('a dry run lists what is older than the school keeps; the run removes exactly that', async () => {
    const t = await createTenant(app.url, app.adminKey);
    const admin = client(app.url, t.admin.key);
    const off = expectOk(await admin.get('/admin/retention'), 200, 'no retention');
    expect(off).toMatchObject({ retentionDays: null, sessions: 0 });
    expect((await admin.patch('/admin/tenants/current', { body: { settings: { retentionDays: 0 } } })).status).toBe(
      400,
    );
    expectOk(await admin.patch('/admin/tenants/current', { body: { settings: { retentionDays: 30 } } }), 200, 'set');

    const old = await busyStudent(t.admin.key);
    const fresh = await busyStudent(t.admin.key);
    const longAgo = new Date(Date.now() - 40 * 86_400_000);
    await pg.query(`UPDATE "Session" SET "updatedAt" = $2 WHERE "userId" = $1`, [old.student.id, longAgo]);
    await pg.query(`UPDATE "Project" SET "updatedAt" = $2 WHERE "ownerId" = $1`, [old.student.id, longAgo]);
    await pg.query(`UPDATE "UsageRecord" SET day = $2 WHERE "userId" = $1`, [old.student.id, longAgo]);
    for (const d of old.dirs) fs.utimesSync(d, longAgo, longAgo);

    const dry = expectOk(await admin.get('/admin/retention'), 200, 'dry run');
    expect(dry).toMatchObject({ retentionDays: 30, dryRun: true, sessions: 1 });
    expect(dry.projects.map((p: { id: string }) => p.id)).toEqual(old.projects.map((p) => p.id));
    expect(dry.usageRecords).toBeGreaterThan(0);
    expect(old.dirs.every((d) => fs.existsSync(d))).toBe(true);
    expect((await old.student.http.get(`/session/${old.session.id}`)).status).toBe(200);

    const run = expectOk(await admin.post('/admin/retention/run'), 200, 'run');
    expect(run).toMatchObject({ dryRun: false, sessions: 1, usageRecords: dry.usageRecords });
    expect((await old.student.http.get(`/session/${old.session.id}`)).status).toBe(404);
    expect(old.dirs.filter((d) => fs.existsSync(d))).toEqual([]);
    expect((await fresh.student.http.get(`/session/${fresh.session.id}`)).status).toBe(200);
    expect(fresh.dirs.every((d) => fs.existsSync(d))).toBe(true);
    expect((await t.student.http.get('/admin/retention')).status).toBe(403);
  });

  it('the school’s AI disclosure opens the first answer of each session, never sent to the model', async () => {
    const text = 'DISCLOSURE-9a: answers here are written by an AI; check them.';
    expectOk(
      await school.http.admin.patch('/admin/tenants/current', { body: { settings: { aiDisclosure: text } } }),
      200,
      'disclosure',
    );
    const http = school.http.otherStudent;
    const session = expectOk(await http.post('/session', { body: {} }), 200, 'session');
    const first = expectOk(await http.post(`/session/${session.id}/message`, { body: textPrompt('hi') }), 200, 'first');
    expect(first.parts[0]).toMatchObject({ type: 'text', text, synthetic: true, ignored: true });
    const before = llm.requests.length;
    const second = expectOk(
      await http.post(`/session/${session.id}/message`, { body: textPrompt('and?') }),
      200,
      '2nd',
    );
    expect(second.parts.some((p: { text?: string }) => p.text === text)).toBe(false);
    expect(llm.requests.slice(before).some((r) => r.rawBody.includes('DISCLOSURE-9a'))).toBe(false);
    expectOk(
      await school.http.admin.patch('/admin/tenants/current', { body: { settings: { aiDisclosure: null } } }),
      200,
      'off',
    );
  });
});
