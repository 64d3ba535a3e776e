import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Issue 19 item 8: the `/api/*` operations OpenCode's web app calls against a classic server (it detects one by
// `/global/health`, then reads its home screen from `/api/session` and the references from `/api/reference`), in
// OpenCode's shapes; and the caller's default project listed from the first `GET /project`.

let app: TestApp;
let school: TestTenant;
let other: TestTenant;

beforeAll(async () => {
  app = await startTestApp({ SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
  other = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
});

describe('/api/session', () => {
  it('anonymous callers are 401; another school sees none of this one’s sessions; a student only their own', async () => {
    const mine = (await school.student.http.post('/session', { body: { title: 'mine' } })).body.id;
    const teacherOwn = (await school.teacher.http.post('/session', { body: { title: 'teacher' } })).body.id;
    expect((await request(app.url, 'GET', '/api/session')).status).toBe(401);
    const theirs = (await other.admin.http.get('/api/session')).body.data.map((s: { id: string }) => s.id);
    expect(theirs).not.toContain(mine);
    const own = (await school.student.http.get('/api/session')).body.data.map((s: { id: string }) => s.id);
    expect(own).toContain(mine);
    expect(own).not.toContain(teacherOwn);
    expect((await school.admin.http.get('/api/session')).body.data.map((s: { id: string }) => s.id)).toEqual(
      expect.arrayContaining([mine, teacherOwn]),
    );
  });

  it('bad cursors, limits and orders are 400 in the error shape', async () => {
    const bad: Record<string, string>[] = [
      { cursor: 'zzz' },
      { limit: '0' },
      { limit: 'abc' },
      { order: 'up' },
      { workspace: 'x' },
    ];
    for (const query of bad) {
      const res = await school.student.http.get('/api/session', { query });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ name: 'BadRequest', data: { message: expect.any(String) } });
    }
    const forged = Buffer.from(JSON.stringify({ order: 'desc', anchor: { id: 1, time: 'x' } })).toString('base64url');
    expect((await school.student.http.get('/api/session', { query: { cursor: forged } })).status).toBe(400);
  });

  it('OpenCode’s shape, newest first, paged by cursor in both orders; workspace and directory filter', async () => {
    const t = await createTenant(app.url, app.adminKey);
    const ids: string[] = [];
    for (const title of ['a', 'b', 'c']) {
      ids.push((await t.student.http.post('/session', { body: { title, workspaceID: 'wrk_w1' } })).body.id);
      await new Promise((r) => setTimeout(r, 5)); // distinct updated times for a stable order
    }
    const first = (await t.student.http.get('/api/session', { query: { limit: '2' } })).body;
    expect(first.data.map((s: { title: string }) => s.title)).toEqual(['c', 'b']);
    expect(first.data[0]).toEqual({
      id: ids[2],
      projectID: expect.stringMatching(/^prj_/),
      cost: 0,
      tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
      time: { created: expect.any(Number), updated: expect.any(Number) },
      title: 'c',
      location: { directory: expect.stringMatching(/^\/workspace\//), workspaceID: 'wrk_w1' },
    });
    const second = (await t.student.http.get('/api/session', { query: { limit: '2', cursor: first.cursor.next } }))
      .body;
    expect(second.data.map((s: { title: string }) => s.title)).toEqual(['a']);
    expect(second.cursor.next).toBeNull();
    const back = (await t.student.http.get('/api/session', { query: { limit: '2', cursor: second.cursor.previous } }))
      .body;
    expect(back.data.map((s: { title: string }) => s.title)).toEqual(['c', 'b']);
    const asc = (await t.student.http.get('/api/session', { query: { limit: '2', order: 'asc' } })).body;
    expect(asc.data.map((s: { title: string }) => s.title)).toEqual(['a', 'b']);
    const ascNext = (await t.student.http.get('/api/session', { query: { limit: '2', cursor: asc.cursor.next } })).body;
    expect(ascNext.data.map((s: { title: string }) => s.title)).toEqual(['c']);
    expect((await t.student.http.get('/api/session', { query: { workspace: 'wrk_none' } })).body.data).toEqual([]);
    expect((await t.student.http.get('/api/session', { query: { directory: 'default' } })).body.data).toHaveLength(3);
    expect((await t.student.http.get('/api/session', { query: { search: 'b' } })).body.data).toHaveLength(1);
  });
});

describe('/api/health, /api/reference and the first GET /project', () => {
  it('/api/health is public and says healthy', async () => {
    const res = await request(app.url, 'GET', '/api/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ healthy: true });
  });

  it('/api/reference: the project’s location and no references; another school’s worktree path is 404', async () => {
    const t = await createTenant(app.url, app.adminKey);
    const res = await t.student.http.get('/api/reference');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      location: {
        directory: expect.stringMatching(/^\/workspace\//),
        project: { id: expect.stringMatching(/^prj_/), directory: expect.stringMatching(/^\/workspace\//) },
      },
      data: [],
    });
    const foreign = res.body.location.directory as string;
    const probe = await other.student.http.get('/api/reference', { query: { 'location[directory]': foreign } });
    expect(probe.status).toBe(404);
    expect(JSON.stringify(probe.body)).not.toContain(t.id);
  });

  it('a fresh user’s first GET /project lists their default project', async () => {
    const t = await createTenant(app.url, app.adminKey);
    const list = (await t.student.http.get('/project')).body as { id: string; name?: string; worktree: string }[];
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'default', worktree: expect.stringMatching(/^\/workspace\/.*--default$/) });
    expect((await t.student.http.get('/project/current')).body.id).toBe(list[0].id);
  });
});
