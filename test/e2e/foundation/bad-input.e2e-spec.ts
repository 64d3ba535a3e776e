import { Client as Pg } from 'pg';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { client, request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { createProject } from '../../utils/project';

// Bad input on every route answers 4xx with OpenCode's error body {name, data: {message}}, never 500, and
// leaves what is stored exactly as it was (checked in the database itself).

let app: TestApp;
let school: TestTenant;
let projectId: string;
let pg: Pg;

interface BadCase {
  what: string;
  method: string;
  path: () => string;
  body?: unknown;
  query?: Record<string, string>;
  contentType?: string;
  /** Who sends it; the platform admin by default for /admin/tenants, the tenant admin otherwise. */
  as?: 'platform' | 'admin';
  status: number;
}

const tenantBody = (extra: object) => ({ name: 'N', slug: 'fine-slug', admin: { name: 'A' }, ...extra });

const cases: BadCase[] = [
  { what: 'empty body', method: 'POST', path: () => '/admin/tenants', body: {}, as: 'platform', status: 400 },
  {
    what: 'name of the wrong type',
    method: 'POST',
    path: () => '/admin/tenants',
    body: tenantBody({ name: 42 }),
    as: 'platform',
    status: 400,
  },
  {
    what: 'slug with spaces',
    method: 'POST',
    path: () => '/admin/tenants',
    body: tenantBody({ slug: 'Bad Slug!' }),
    as: 'platform',
    status: 400,
  },
  {
    what: 'admin without a name',
    method: 'POST',
    path: () => '/admin/tenants',
    body: tenantBody({ admin: { name: '' } }),
    as: 'platform',
    status: 400,
  },
  {
    what: 'admin missing',
    method: 'POST',
    path: () => '/admin/tenants',
    body: { name: 'N', slug: 'fine-slug' },
    as: 'platform',
    status: 400,
  },
  {
    what: 'bad admin email',
    method: 'POST',
    path: () => '/admin/tenants',
    body: tenantBody({ admin: { name: 'A', email: 'not-mail' } }),
    as: 'platform',
    status: 400,
  },
  {
    what: 'setting of the wrong type',
    method: 'POST',
    path: () => '/admin/tenants',
    body: tenantBody({ settings: { shareAllowed: 'yes' } }),
    as: 'platform',
    status: 400,
  },
  {
    what: 'malformed JSON',
    method: 'POST',
    path: () => '/admin/tenants',
    body: '{"name": "x", ',
    contentType: 'application/json',
    as: 'platform',
    status: 400,
  },
  {
    what: 'an array body',
    method: 'POST',
    path: () => '/admin/tenants',
    body: [tenantBody({})],
    as: 'platform',
    status: 400,
  },
  {
    what: 'empty name',
    method: 'PATCH',
    path: () => `/admin/tenants/${school.id}`,
    body: { name: '' },
    as: 'platform',
    status: 400,
  },
  {
    what: 'timezone of the wrong type',
    method: 'PATCH',
    path: () => `/admin/tenants/${school.id}`,
    body: { timezone: 5 },
    as: 'platform',
    status: 400,
  },
  {
    what: 'unknown enum value',
    method: 'PATCH',
    path: () => `/admin/tenants/${school.id}`,
    body: { settings: { userDeletion: 'burn' } },
    as: 'platform',
    status: 400,
  },
  {
    what: 'unknown tenant id',
    method: 'PATCH',
    path: () => '/admin/tenants/not-an-id',
    body: { name: 'x' },
    as: 'platform',
    status: 404,
  },
  { what: 'unknown tenant id', method: 'GET', path: () => '/admin/tenants/ten_0000', as: 'platform', status: 404 },
  { what: 'undecodable id', method: 'DELETE', path: () => '/admin/tenants/%00%ff', as: 'platform', status: 400 },
  { what: 'unknown tenant id', method: 'DELETE', path: () => '/admin/tenants/ten_nope', as: 'platform', status: 404 },
  { what: 'empty body', method: 'POST', path: () => '/admin/users', body: {}, status: 400 },
  { what: 'unknown role', method: 'POST', path: () => '/admin/users', body: { name: 'x', role: 'king' }, status: 400 },
  {
    what: 'bad email',
    method: 'POST',
    path: () => '/admin/users',
    body: { name: 'x', role: 'student', email: 'nope' },
    status: 400,
  },
  {
    what: 'name too long',
    method: 'POST',
    path: () => '/admin/users',
    body: { name: 'x'.repeat(201), role: 'student' },
    status: 400,
  },
  {
    what: 'a text/plain body',
    method: 'POST',
    path: () => '/admin/users',
    body: '{"name":"x","role":"student"}',
    contentType: 'text/plain',
    status: 400,
  },
  { what: 'unknown role filter', method: 'GET', path: () => '/admin/users', query: { role: 'king' }, status: 400 },
  {
    what: 'unknown role',
    method: 'PATCH',
    path: () => `/admin/users/${school.student.id}`,
    body: { role: 'king' },
    status: 400,
  },
  {
    what: 'email of the wrong type',
    method: 'PATCH',
    path: () => `/admin/users/${school.student.id}`,
    body: { email: 3 },
    status: 400,
  },
  { what: 'unknown user id', method: 'PATCH', path: () => '/admin/users/garbage', body: { name: 'x' }, status: 404 },
  { what: 'unknown user id', method: 'GET', path: () => '/admin/users/usr_missing', status: 404 },
  { what: 'unknown user id', method: 'DELETE', path: () => `/admin/users/${'u'.repeat(300)}`, status: 404 },
  { what: 'empty body', method: 'POST', path: () => '/admin/keys', body: {}, status: 400 },
  { what: 'empty name', method: 'POST', path: () => '/admin/keys', body: { name: '' }, status: 400 },
  {
    what: 'expiry that is no date',
    method: 'POST',
    path: () => '/admin/keys',
    body: { name: 'k', expiresAt: 'tomorrow' },
    status: 400,
  },
  {
    what: 'unknown user',
    method: 'POST',
    path: () => '/admin/keys',
    body: { name: 'k', userId: 'usr_nobody' },
    status: 404,
  },
  {
    what: 'userId filter too long',
    method: 'GET',
    path: () => '/admin/keys',
    query: { userId: 'x'.repeat(65) },
    status: 400,
  },
  { what: 'unknown key id', method: 'DELETE', path: () => '/admin/keys/garbage', status: 404 },
  {
    what: 'expiry in year 0, which the database has no day for',
    method: 'POST',
    path: () => '/admin/keys',
    body: { name: 'k', expiresAt: '0000-01-01T00:00:00Z' },
    status: 400,
  },
  { what: 'from in year 0', method: 'GET', path: () => '/admin/audit', query: { from: '0000-06-01' }, status: 400 },
  // Past 8.64e15 ms a JavaScript Date is invalid; past year 9999 the database cannot read the year as printed.
  ...(['cursor', 'start'] as const).map((field) => ({
    what: `${field} past any date`,
    method: 'GET',
    path: () => '/experimental/session',
    query: { [field]: '99999999999999999999' },
    status: 400,
  })),
  {
    what: 'a cursor anchored past any date',
    method: 'GET',
    path: () => '/api/session',
    query: {
      cursor: Buffer.from(
        JSON.stringify({ order: 'desc', anchor: { id: 'ses_x', time: 9e15, direction: 'next' } }),
      ).toString('base64url'),
    },
    status: 400,
  },
  {
    what: 'start in year 10000',
    method: 'GET',
    path: () => '/session',
    query: { start: String(Date.UTC(10000, 0, 1)) },
    status: 400,
  },
  { what: 'empty name', method: 'PATCH', path: () => `/project/${projectId}`, body: { name: '' }, status: 400 },
  {
    what: 'script URL as icon',
    method: 'PATCH',
    path: () => `/project/${projectId}`,
    body: { icon: { url: 'javascript:alert(1)' } },
    status: 400,
  },
  {
    what: 'icon of the wrong shape',
    method: 'PATCH',
    path: () => `/project/${projectId}`,
    body: { icon: 'red' },
    status: 400,
  },
  {
    what: 'command of the wrong type',
    method: 'PATCH',
    path: () => `/project/${projectId}`,
    body: { commands: { start: 5 } },
    status: 400,
  },
  { what: 'unknown project id', method: 'PATCH', path: () => '/project/prj_missing', body: { name: 'x' }, status: 404 },
  { what: 'directory ..', method: 'GET', path: () => '/project/current', query: { directory: '..' }, status: 400 },
  { what: 'directory with a space', method: 'GET', path: () => '/path', query: { directory: 'a b' }, status: 400 },
  { what: 'directory ..', method: 'GET', path: () => '/event', query: { directory: '..' }, status: 400 },
  { what: 'empty sessionID', method: 'GET', path: () => '/event', query: { sessionID: '' }, status: 400 },
  {
    what: 'sessionID too long',
    method: 'GET',
    path: () => '/global/event',
    query: { sessionID: 's'.repeat(65) },
    status: 400,
  },
];

/** Every foundation table, row by row, minus columns that change on reads (lastUsedAt). */
async function storedState(): Promise<Record<string, string>> {
  const tables: Record<string, string> = {
    Tenant: 'SELECT * FROM "Tenant" ORDER BY id',
    User: 'SELECT * FROM "User" ORDER BY id',
    ApiKey: 'SELECT id, "tenantId", "userId", name, prefix, hash, "expiresAt", "revokedAt" FROM "ApiKey" ORDER BY id',
    Project: 'SELECT * FROM "Project" ORDER BY id',
  };
  const out: Record<string, string> = {};
  for (const [t, sql] of Object.entries(tables)) out[t] = JSON.stringify((await pg.query(sql)).rows);
  return out;
}

beforeAll(async () => {
  app = await startTestApp();
  school = await createTenant(app.url, app.adminKey);
  projectId = (await createProject(school.admin.http, 'lab')).id;
  pg = new Pg({ connectionString: app.database!.url });
  await pg.connect();
});

afterAll(async () => {
  await pg?.end();
  await app?.close();
});

it.each(cases.map((c) => [`${c.method} ${c.path.toString().replace(/^\(\) => /, '')}`, c.what, c] as const))(
  '%s with %s → 4xx, nothing stored changes',
  async (_route, _what, c) => {
    const before = await storedState();
    const key = c.as === 'platform' ? app.adminKey : school.admin.key;
    const res = await request(app.url, c.method, c.path(), {
      key,
      query: c.query,
      body: c.body,
      headers: c.contentType ? { 'content-type': c.contentType } : undefined,
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: c.status,
      body: { name: expect.any(String), data: expect.objectContaining({ message: expect.any(String) }) },
    });
    expect(res.body.data.message.length).toBeGreaterThan(3);
    expect(res.text).not.toMatch(/at \w+ \(|node_modules|\.ts:\d+/); // never a stack
    // Every error, the body parser's included, names its request as the header does.
    expect(res.body.data.requestId).toEqual(expect.any(String));
    expect(res.body.data.requestId).toBe(res.headers.get('x-request-id'));
    expect(await storedState()).toEqual(before);
  },
);

it("a malformed JSON body answers 400 with the caller's request id in the body and the header", async () => {
  const res = await request(app.url, 'POST', '/session', {
    key: school.admin.key,
    body: '{"title": ',
    headers: { 'content-type': 'application/json', 'x-request-id': 'client-req-42' },
  });
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ name: 'BadRequest', data: { requestId: 'client-req-42' } });
  expect(res.headers.get('x-request-id')).toBe('client-req-42');
  const ok = await request(app.url, 'GET', '/session', {
    key: school.admin.key,
    headers: { 'x-request-id': 'client-req-43' },
  });
  expect(ok.headers.get('x-request-id')).toBe('client-req-43');
});

it('names the offending field in validation messages', async () => {
  const res = await school.admin.http.post('/admin/users', { body: { name: 'x', role: 'king' } });
  expect(res.body).toMatchObject({ name: 'BadRequest', data: { message: expect.stringContaining('role') } });
  const nested = await client(app.url, app.adminKey).post('/admin/tenants', {
    body: tenantBody({ admin: { name: 'A', email: 'nope' } }),
  });
  expect(nested.body.data.message).toContain('admin.email');
});

it('strips unknown fields instead of refusing them (OpenCode clients send extra fields)', async () => {
  const res = await school.admin.http.post('/admin/users', {
    body: { name: 'Extra', role: 'student', shoeSize: 44, platformAdmin: true },
  });
  expect(res.status).toBe(201);
  expect(res.body.platformAdmin).toBe(false);
  expect(res.body).not.toHaveProperty('shoeSize');
});
