import { createTenant, type Role, type TestTenant } from '../../factories/tenant.factory';
import { client, request } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { createProject } from '../../utils/project';

// Tenant isolation, driven by a table of every route: a key of tenant A (each role) can neither read, list nor
// change anything of tenant B. Reads of B's things answer 404 (or 403 where the route is not for tenant roles
// at all); lists never mention B; after all the attempts B's data is exactly as it was.

let app: TestApp;
let a: TestTenant;
let b: TestTenant;
let bProject: { id: string; worktree: string };
let bKeyId: string;
let bIds: string[];

type RouteCase =
  | {
      /** METHOD + path template as in the OpenAPI document, to check that the table covers every route. */
      route: string;
      call: (as: ReturnType<typeof client>) => Promise<{ status: number; body: any; text: string }>;
      /** Allowed statuses for a key of tenant A; a 2xx must then not mention tenant B. */
      expect: number[];
      /** Identifiers of B this request itself sends, which the answer may echo (e.g. "User not found: usr_…"). */
      echoes?: () => string[];
      sse?: undefined;
    }
  | { route: string; sse: true };

const cases = (): RouteCase[] => [
  { route: 'GET /admin/tenants', call: (as) => as.get('/admin/tenants'), expect: [403] },
  {
    route: 'POST /admin/tenants',
    call: (as) => as.post('/admin/tenants', { body: { name: 'x', slug: b.slug, admin: { name: 'x' } } }),
    expect: [403],
  },
  { route: 'GET /admin/tenants/current', call: (as) => as.get('/admin/tenants/current'), expect: [200] },
  { route: 'GET /admin/tenants/{id}', call: (as) => as.get(`/admin/tenants/${b.id}`), expect: [403] },
  {
    route: 'PATCH /admin/tenants/{id}',
    call: (as) => as.patch(`/admin/tenants/${b.id}`, { body: { name: 'pwned' } }),
    expect: [403],
  },
  { route: 'DELETE /admin/tenants/{id}', call: (as) => as.delete(`/admin/tenants/${b.id}`), expect: [403] },
  { route: 'GET /admin/users', call: (as) => as.get('/admin/users'), expect: [200, 403] },
  {
    route: 'POST /admin/users',
    call: (as) => as.post('/admin/users', { body: { name: 'x', role: 'student' } }),
    expect: [201, 403],
  },
  {
    route: 'GET /admin/users/{id}',
    call: (as) => as.get(`/admin/users/${b.student.id}`),
    expect: [403, 404],
    echoes: () => [b.student.id],
  },
  {
    route: 'GET /admin/users/{id}/export',
    call: (as) => as.get(`/admin/users/${b.student.id}/export`),
    expect: [403, 404],
    echoes: () => [b.student.id],
  },
  {
    route: 'PATCH /admin/users/{id}',
    call: (as) => as.patch(`/admin/users/${b.student.id}`, { body: { name: 'pwned', role: 'admin' } }),
    expect: [403, 404],
    echoes: () => [b.student.id],
  },
  {
    route: 'DELETE /admin/users/{id}/data',
    call: (as) => as.delete(`/admin/users/${b.student.id}/data`),
    expect: [403, 404],
    echoes: () => [b.student.id],
  },
  {
    route: 'DELETE /admin/users/{id}',
    call: (as) => as.delete(`/admin/users/${b.teacher.id}`),
    expect: [403, 404],
    echoes: () => [b.teacher.id],
  },
  { route: 'GET /admin/keys', call: (as) => as.get('/admin/keys', { query: { userId: b.admin.id } }), expect: [200] },
  {
    route: 'POST /admin/keys',
    call: (as) => as.post('/admin/keys', { body: { name: 'x', userId: b.admin.id } }),
    expect: [403, 404],
    echoes: () => [b.admin.id],
  },
  {
    route: 'DELETE /admin/keys/{id}',
    call: (as) => as.delete(`/admin/keys/${bKeyId}`),
    expect: [404],
    echoes: () => [bKeyId],
  },
  // A's own projects may be named after B's user id by the directory cases above (an echo, not a leak).
  { route: 'GET /project', call: (as) => as.get('/project'), expect: [200], echoes: () => [b.student.id] },
  // B's worktree path as a directory only names a project of A's own (its basename, which holds B's user id).
  {
    route: 'GET /project/current',
    call: (as) => as.get('/project/current', { query: { directory: bProject.worktree } }),
    expect: [404],
  },
  {
    route: 'PATCH /project/{projectID}',
    call: (as) => as.patch(`/project/${bProject.id}`, { body: { name: 'pwned' } }),
    expect: [404],
    echoes: () => [bProject.id],
  },
  {
    route: 'GET /project/{projectID}/directories',
    call: (as) => as.get(`/project/${bProject.id}/directories`),
    expect: [404],
    echoes: () => [bProject.id],
  },
  // B's worktree path as a directory only names a project of A's own (as for GET /project/current above).
  {
    route: 'POST /project/git/init',
    call: (as) => as.post('/project/git/init', { query: { directory: bProject.worktree } }),
    expect: [400, 403, 404],
    // "Project not found: <the directory sent>" repeats the caller's own input, which holds B's ids.
    echoes: () => bIds.filter((id) => bProject.worktree.includes(id)),
  },
  // A school admin's own settings: never B's (B's tenant is compared before and after).
  {
    route: 'PATCH /admin/tenants/current',
    call: (as) => as.patch('/admin/tenants/current', { body: { settings: { shareAllowed: false } } }),
    expect: [200, 400, 403],
  },
  { route: 'GET /path', call: (as) => as.get('/path', { query: { directory: bProject.worktree } }), expect: [404] },
  // Language servers and formatters of B's project: its status is not A's to see, its symbols not A's to search.
  { route: 'GET /lsp', call: (as) => as.get('/lsp', { query: { directory: bProject.worktree } }), expect: [404] },
  {
    route: 'GET /formatter',
    call: (as) => as.get('/formatter', { query: { directory: bProject.worktree } }),
    expect: [404],
  },
  {
    route: 'GET /find/symbol',
    call: (as) => as.get('/find/symbol', { query: { directory: bProject.worktree, query: 'secret' } }),
    expect: [404],
  },
  { route: 'POST /admin/jobs/health', call: (as) => as.post('/admin/jobs/health'), expect: [403] },
  // The SSE routes never end, so they are checked by streaming (last tests of this file).
  { route: 'GET /event', sse: true },
  { route: 'GET /global/event', sse: true },
];

/** Everything of B that an isolation failure could change, read as B's admin. */
async function snapshotOfB() {
  const as = b.admin.http;
  const [tenant, users, keys, projects] = await Promise.all([
    as.get('/admin/tenants/current'),
    as.get('/admin/users'),
    as.get('/admin/keys'),
    as.get('/project'),
  ]);
  const strip = (k: { lastUsedAt?: unknown }) => ({ ...k, lastUsedAt: undefined });
  return { tenant: tenant.body, users: users.body, keys: keys.body.map(strip), projects: projects.body };
}

beforeAll(async () => {
  // Every case reads B's state before and after as B's admin: more requests than a person's per-minute limit.
  app = await startTestApp({ LIMIT_REQUESTS_PER_MINUTE: '100000' });
  [a, b] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
  bProject = await createProject(b.student.http, 'secret-homework');
  const bKey = await b.admin.http.post('/admin/keys', { body: { name: 'b-extra', userId: b.student.id } });
  bKeyId = bKey.body.id;
  bIds = [b.id, b.admin.id, b.teacher.id, b.student.id, bProject.id, bKeyId, b.slug];
});

afterAll(() => app?.close());

it('has a case for every route the OpenAPI document lists', async () => {
  const doc = await request(app.url, 'GET', '/doc');
  const listed = Object.entries(doc.body.paths as Record<string, Record<string, { security?: unknown[] }>>).flatMap(
    ([p, ops]) =>
      Object.keys(ops)
        .filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m))
        .map((m) => `${m.toUpperCase()} ${p}`),
  );
  const publicRoutes = ['GET /global/health', 'GET /ready'];
  const covered = new Set(cases().map((c) => c.route));
  const missing = listed.filter((r) => !covered.has(r) && !publicRoutes.includes(r));
  // Foundation routes must all be in the table; routes of later modules belong in their own isolation specs.
  const foundation = /^\/(admin\/(tenants|users|keys|jobs)|project|path|event|global\/(event|health))(\/|$)/;
  expect(missing.filter((r) => foundation.test(r.split(' ')[1]))).toEqual([]);
  expect(covered.size).toBeGreaterThanOrEqual(21);
});

describe.each(['admin', 'teacher', 'student'] as Role[])('a %s of tenant A', (role) => {
  const httpCases = cases().flatMap((c) => (c.sse ? [] : [[c.route, c] as const]));
  it.each(httpCases)('%s: cannot reach tenant B', async (_route, c) => {
    const before = await snapshotOfB();
    const res = await c.call(a.as(role).http);
    expect({ route: c.route, status: res.status, allowed: c.expect.includes(res.status) }).toEqual({
      route: c.route,
      status: res.status,
      allowed: true,
    });
    if (res.status >= 400)
      expect(res.body).toMatchObject({ name: expect.any(String), data: { message: expect.any(String) } });
    const echoed = c.echoes?.() ?? [];
    for (const id of bIds.filter((x) => !echoed.includes(x))) expect(res.text).not.toContain(id);
    // Whatever project data comes back is shown under A's own names (docs/security.md, "Host paths"): never B's
    // tenant, never the host's data folder.
    for (const w of res.text.match(/"(?:worktree|directory|home)":"[^"]+"/g) ?? []) {
      expect(w).not.toContain(b.id);
      expect(w).not.toContain(app.dataDir);
    }
    if (res.status < 300) expect(res.text).not.toContain(bProject.id);
    expect(await snapshotOfB()).toEqual(before);
  });
});

it("answers 404 for a directory inside tenant B's workspace (no project of A is made from it)", async () => {
  const before = (await a.admin.http.get('/project')).body.length;
  const res = await a.admin.http.get('/path', { query: { directory: bProject.worktree } });
  expect(res.status).toBe(404);
  expect(res.body).toMatchObject({ name: 'NotFoundError' });
  expect(res.text).not.toContain(b.id);
  expect((await a.admin.http.get('/project')).body.length).toBe(before);
});

it("keeps tenant B's events out of tenant A's streams", async () => {
  const streams = await Promise.all([
    SseClient.open(app.url, '/event', { key: a.admin.key }),
    SseClient.open(app.url, '/global/event', { key: a.admin.key }),
    SseClient.open(app.url, '/event', { key: b.admin.key }),
  ]);
  // A stream asked for tenant B's directory is refused outright.
  const refused = await a.admin.http.get('/event', { query: { directory: bProject.worktree } });
  expect(refused.status).toBe(404);
  try {
    for (const s of streams) await s.waitFor(() => true);
    const aProject = (await a.admin.http.get('/project/current')).body;
    // B changes its project, then A changes its own; once A sees its own event, B's would have arrived too.
    expect((await b.admin.http.patch(`/project/${bProject.id}`, { body: { name: 'B renamed' } })).status).toBe(200);
    await streams[2].waitForType('project.updated', 5000, (d) => d.properties.id === bProject.id);
    expect((await a.admin.http.patch(`/project/${aProject.id}`, { body: { name: 'A renamed' } })).status).toBe(200);
    await streams[0].waitForType('project.updated', 5000, (d) => d.properties.id === aProject.id);
    await streams[1].waitForType('project.updated', 5000, (d) => d.payload.properties.id === aProject.id);
    for (const s of streams.slice(0, 2)) {
      for (const id of bIds) expect(s.rawText).not.toContain(id);
    }
  } finally {
    for (const s of streams) s.close();
  }
});

it('leaves every piece of tenant B intact after all of the above', async () => {
  const snap = await snapshotOfB();
  expect(snap.tenant).toMatchObject({ id: b.id, slug: b.slug });
  expect(snap.users.map((u: { id: string }) => u.id).sort()).toEqual([b.admin.id, b.teacher.id, b.student.id].sort());
  expect(snap.users.find((u: { id: string }) => u.id === b.student.id)).toMatchObject({
    role: 'student',
    name: b.student.name,
  });
  expect(snap.keys.filter((k: { revokedAt: unknown }) => k.revokedAt === null)).toHaveLength(4);
  expect((await b.student.http.get('/project')).body.map((p: { id: string }) => p.id)).toContain(bProject.id);
});
