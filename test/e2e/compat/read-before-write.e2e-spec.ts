import fs from 'node:fs';
import path from 'node:path';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { startTestApp, type TestApp } from '../../utils/test-app';

// Issue 19 item 8: OpenCode's CLI and TUI read their working directory before they write. A read naming a project
// that does not exist yet answers for it (empty, with the id it will have) and stores nothing; the first write
// (a session here) creates it with that id.

let app: TestApp;
let school: TestTenant;

beforeAll(async () => {
  app = await startTestApp({ SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
});

const READS: [string, Record<string, string>?][] = [
  ['/project/current'],
  ['/path'],
  ['/file', { path: '.' }],
  ['/file/status'],
  ['/find/file', { query: 'main' }],
  ['/find', { pattern: 'hello' }],
  ['/vcs'],
  ['/vcs/diff/raw'],
  ['/session'],
  ['/config'],
  ['/agent'],
  ['/command'],
  ['/skill'],
  ['/lsp'],
  ['/formatter'],
  ['/mcp'],
  ['/experimental/worktree'],
  ['/experimental/tool/ids'],
  ['/pty'],
];

it('reads of a new directory answer without creating the project; the first session creates it with the same id', async () => {
  const http = school.student.http;
  const directory = '/home/student/src/brand-new';
  const current = await http.get('/project/current', { query: { directory } });
  expect(current.status).toBe(200);
  expect(current.body).toMatchObject({ name: 'brand-new', worktree: expect.stringMatching(/--brand-new$/) });

  for (const [route, query] of READS) {
    const res = await http.get(route, { query: { directory, ...query } });
    expect({ route, status: res.status, body: res.status < 300 ? undefined : res.body }).toEqual({
      route,
      status: 200,
      body: undefined,
    });
    if (['/file', '/file/status', '/find/file', '/find', '/session', '/experimental/worktree', '/pty'].includes(route))
      expect({ route, body: res.body }).toEqual({ route, body: [] });
  }
  const missing = await http.get('/file/content', { query: { directory, path: 'main.ts' } });
  expect(missing.status).toBe(404);
  expect((await http.get('/project/current', { query: { directory } })).body.id).toBe(current.body.id);

  // Nothing stored: not listed, no folder on disk.
  const listed = (await http.get('/project')).body as { id: string; name?: string }[];
  expect(listed.map((p) => p.name)).not.toContain('brand-new');
  const tenantDir = path.join(app.config.workspaceRoot, school.id);
  const folders = fs.existsSync(tenantDir) ? fs.readdirSync(tenantDir) : [];
  expect(folders.filter((f) => f.endsWith('--brand-new'))).toEqual([]);

  // A write creates it, with the id the reads showed.
  const session = await http.post('/session', { query: { directory }, body: { title: 'first write' } });
  expect(session.status).toBe(200);
  expect(session.body.projectID).toBe(current.body.id);
  expect(((await http.get('/project')).body as { id: string }[]).map((p) => p.id)).toContain(current.body.id);
  expect(fs.readdirSync(tenantDir).filter((f) => f.endsWith('--brand-new'))).toHaveLength(1);
  const sessions = (await http.get('/session', { query: { directory } })).body as { id: string }[];
  expect(sessions.map((s) => s.id)).toEqual([session.body.id]);
});

it("another user's not-yet-created project path stays a 404, and names nothing of the caller's", async () => {
  const shown = (await school.student.http.get('/project/current', { query: { directory: 'theirs-later' } })).body;
  const probe = await school.teacher.http.get('/file', { query: { directory: shown.worktree, path: '.' } });
  expect(probe.status).toBe(404);
  const session = await school.teacher.http.post('/session', { query: { directory: shown.worktree }, body: {} });
  expect(session.status).toBe(404);
  expect(((await school.teacher.http.get('/project')).body as { name?: string }[]).map((p) => p.name)).not.toContain(
    'theirs-later',
  );
});

describe('GET /session?path=', () => {
  it('keeps sessions whose folder (relative to the project) is the path or below; sessions here run at the root', async () => {
    const http = school.student.http;
    const directory = 'paths';
    const made = (await http.post('/session', { query: { directory }, body: { title: 'at root' } })).body.id;
    for (const all of ['', '.', './']) {
      const res = await http.get('/session', { query: { directory, path: all } });
      expect(res.status).toBe(200);
      expect(res.body.map((s: { id: string }) => s.id)).toContain(made);
    }
    const inSrc = await http.get('/session', { query: { directory, path: 'src' } });
    expect(inSrc.status).toBe(200);
    expect(inSrc.body).toEqual([]);
    for (const bad of ['../up', '/etc', 'a/../../b']) {
      const res = await http.get('/session', { query: { directory, path: bad } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ name: 'BadRequest' });
    }
  });
});
