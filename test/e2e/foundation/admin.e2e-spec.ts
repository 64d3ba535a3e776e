import { createTenant, uniqueSlug, type TestTenant } from '../../factories/tenant.factory';
import { client, request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';

// Tenants, users and keys through the admin API, with the role checks of each route.

let app: TestApp;
let platform: ReturnType<typeof client>;
let school: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  platform = client(app.url, app.adminKey);
  school = await createTenant(app.url, app.adminKey);
});

afterAll(() => app?.close());

describe('tenants (platform administrators)', () => {
  it('creates a tenant whose first admin key works at once', async () => {
    const slug = uniqueSlug();
    const res = await platform.post('/admin/tenants', {
      body: {
        name: 'Hill School',
        slug,
        timezone: 'Europe/Berlin',
        settings: { shareAllowed: false },
        admin: { name: 'Ada', email: 'ada@example.org' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.tenant).toMatchObject({
      id: expect.stringMatching(/^ten_/),
      slug,
      name: 'Hill School',
      timezone: 'Europe/Berlin',
      settings: { shareAllowed: false },
    });
    expect(res.body.key).toMatch(/^oc_/);
    const me = await request(app.url, 'GET', '/admin/tenants/current', { key: res.body.key });
    expect(me.body.id).toBe(res.body.tenant.id);
    const users = await request(app.url, 'GET', '/admin/users', { key: res.body.key });
    expect(users.body).toEqual([
      expect.objectContaining({
        id: res.body.adminUserId,
        role: 'admin',
        email: 'ada@example.org',
        platformAdmin: false,
      }),
    ]);
  });

  it('lists, reads and updates tenants, merging settings', async () => {
    const list = await platform.get('/admin/tenants');
    expect(list.status).toBe(200);
    expect(list.body.map((t: { id: string }) => t.id)).toContain(school.id);
    const one = await platform.get(`/admin/tenants/${school.id}`);
    expect(one.body).toMatchObject({ id: school.id, slug: school.slug });
    await platform.patch(`/admin/tenants/${school.id}`, { body: { settings: { shareAllowed: true } } });
    const patched = await platform.patch(`/admin/tenants/${school.id}`, {
      body: { name: 'Renamed', settings: { bashNetwork: false } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Renamed', settings: { shareAllowed: true, bashNetwork: false } });
    expect((await platform.get(`/admin/tenants/${school.id}`)).body.name).toBe('Renamed');
  });

  it('keeps every key of concurrent settings updates (no lost update)', async () => {
    const own = await createTenant(app.url, app.adminKey);
    // Each request changes one key of its own; in each round all are in flight at once, through both doors that
    // write settings (and /admin/limits, which writes settings.limits in place).
    for (const [round, on] of [true, false, true, false].entries()) {
      const results = await Promise.all([
        own.admin.http.patch('/admin/tenants/current', { body: { settings: { shareAllowed: on } } }),
        own.admin.http.patch('/admin/tenants/current', { body: { settings: { shareDetails: on } } }),
        own.admin.http.patch('/admin/tenants/current', { body: { settings: { teacherWrites: on } } }),
        own.admin.http.patch('/admin/tenants/current', {
          body: { settings: { userDeletion: on ? 'anonymise' : 'delete' } },
        }),
        platform.patch(`/admin/tenants/${own.id}`, { body: { settings: { bashNetwork: on } } }),
        platform.patch(`/admin/tenants/${own.id}`, { body: { settings: { envProviderKeys: on } } }),
        platform.patch(`/admin/tenants/${own.id}`, { body: { settings: { mcpCommands: on ? ['node'] : ['npx'] } } }),
        own.admin.http.patch('/admin/limits', { body: { requestsPerMinute: 700 + round } }),
      ]);
      expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
      const after = await own.admin.http.get('/admin/tenants/current');
      expect(after.body.settings).toMatchObject({
        shareAllowed: on,
        shareDetails: on,
        teacherWrites: on,
        userDeletion: on ? 'anonymise' : 'delete',
        bashNetwork: on,
        envProviderKeys: on,
        mcpCommands: on ? ['node'] : ['npx'],
        limits: { requestsPerMinute: 700 + round },
      });
    }
  });

  it('answers 404 for an update of a tenant that does not exist', async () => {
    const res = await platform.patch('/admin/tenants/ten_00000000000000000000000000', {
      body: { settings: { shareAllowed: true } },
    });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ name: 'NotFoundError' });
  });

  it('refuses a slug already in use with 409', async () => {
    const res = await platform.post('/admin/tenants', {
      body: { name: 'Copy', slug: school.slug, admin: { name: 'x' } },
    });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ name: 'ConflictError', data: { message: expect.stringContaining(school.slug) } });
  });

  it('deletes another tenant with everything in it; its keys stop working', async () => {
    const doomed = await createTenant(app.url, app.adminKey);
    expect((await doomed.student.http.get('/project')).status).toBe(200);
    const del = await platform.delete(`/admin/tenants/${doomed.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toBe(true);
    expect((await platform.get(`/admin/tenants/${doomed.id}`)).status).toBe(404);
    expect((await platform.delete(`/admin/tenants/${doomed.id}`)).status).toBe(404);
    // Keys are cached for up to 5 s per process.
    await waitUntil(
      "the deleted school's key to be refused",
      async () => (await doomed.admin.http.get('/admin/tenants/current')).status,
      (status) => status === 401,
    );
  });

  it('does not let a platform admin delete their own tenant', async () => {
    const own = await platform.get('/admin/tenants/current');
    const res = await platform.delete(`/admin/tenants/${own.body.id}`);
    expect(res.status).toBe(403);
  });

  it.each(['admin', 'teacher', 'student'] as const)('refuses tenant management to a tenant %s', async (role) => {
    const as = school.as(role).http;
    for (const res of [
      await as.get('/admin/tenants'),
      await as.post('/admin/tenants', { body: { name: 'x', slug: uniqueSlug(), admin: { name: 'x' } } }),
      await as.get(`/admin/tenants/${school.id}`),
      await as.patch(`/admin/tenants/${school.id}`, { body: { name: 'hijacked' } }),
      await as.delete(`/admin/tenants/${school.id}`),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.name).toBe('ForbiddenError');
    }
    expect((await as.get('/admin/tenants/current')).body.id).toBe(school.id);
    expect((await platform.get(`/admin/tenants/${school.id}`)).body.name).not.toBe('hijacked');
  });
});

describe('users (tenant administrators)', () => {
  it('creates, lists, filters, reads, updates and deletes users', async () => {
    const admin = school.admin.http;
    const created = await admin.post('/admin/users', {
      body: { name: 'Bo', role: 'student', email: 'bo@example.org', externalId: 'lms-17' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^usr_/),
      tenantId: school.id,
      name: 'Bo',
      role: 'student',
    });
    const id = created.body.id;
    const students = await admin.get('/admin/users', { query: { role: 'student' } });
    expect(students.body.every((u: { role: string }) => u.role === 'student')).toBe(true);
    expect(students.body.map((u: { id: string }) => u.id)).toEqual(expect.arrayContaining([id, school.student.id]));
    expect((await admin.get(`/admin/users/${id}`)).body.email).toBe('bo@example.org');
    const patched = await admin.patch(`/admin/users/${id}`, { body: { role: 'teacher', name: 'Bo T.' } });
    expect(patched.body).toMatchObject({ id, role: 'teacher', name: 'Bo T.' });
    expect((await admin.delete(`/admin/users/${id}`)).body).toBe(true);
    expect((await admin.get(`/admin/users/${id}`)).status).toBe(404);
    expect((await admin.get('/admin/users')).body.map((u: { id: string }) => u.id)).not.toContain(id);
  });

  it('lets teachers list users but not change them; students get 403', async () => {
    const t = school.teacher.http;
    expect((await t.get('/admin/users')).status).toBe(200);
    expect((await t.post('/admin/users', { body: { name: 'x', role: 'student' } })).status).toBe(403);
    expect((await t.patch(`/admin/users/${school.student.id}`, { body: { role: 'admin' } })).status).toBe(403);
    expect((await t.delete(`/admin/users/${school.student.id}`)).status).toBe(403);
    const s = school.student.http;
    expect((await s.get('/admin/users')).status).toBe(403);
    expect((await s.get(`/admin/users/${school.student.id}`)).status).toBe(403);
    expect((await school.admin.http.get(`/admin/users/${school.student.id}`)).body.role).toBe('student');
  });

  it('does not let an admin demote or delete themselves', async () => {
    const admin = school.admin.http;
    expect((await admin.patch(`/admin/users/${school.admin.id}`, { body: { role: 'student' } })).status).toBe(403);
    expect((await admin.delete(`/admin/users/${school.admin.id}`)).status).toBe(403);
    expect((await admin.get(`/admin/users/${school.admin.id}`)).body.role).toBe('admin');
  });
});

describe('keys', () => {
  it('lets anyone make keys for themselves and see only their own', async () => {
    const s = school.student.http;
    const made = await s.post('/admin/keys', { body: { name: 'laptop' } });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      id: expect.stringMatching(/^key_/),
      userId: school.student.id,
      name: 'laptop',
      prefix: made.body.key.slice(0, 10),
      revokedAt: null,
    });
    const mine = await s.get('/admin/keys');
    expect(mine.body.length).toBeGreaterThanOrEqual(2);
    expect(mine.body.every((k: { userId: string }) => k.userId === school.student.id)).toBe(true);
    expect(JSON.stringify(mine.body)).not.toContain(made.body.key);
    // Asking for someone else's keys still gives only one's own.
    const other = await s.get('/admin/keys', { query: { userId: school.admin.id } });
    expect(other.body.every((k: { userId: string }) => k.userId === school.student.id)).toBe(true);
    expect((await request(app.url, 'GET', '/project', { key: made.body.key })).status).toBe(200);
  });

  it('refuses keys for other users to non-admins', async () => {
    const res = await school.teacher.http.post('/admin/keys', { body: { name: 'x', userId: school.student.id } });
    expect(res.status).toBe(403);
  });

  it('lets an admin see every key and revoke one; the key is refused at once', async () => {
    const made = await school.admin.http.post('/admin/keys', {
      body: { name: 'for student', userId: school.student.id },
    });
    expect(made.status).toBe(201);
    const all = await school.admin.http.get('/admin/keys');
    const owners = new Set(all.body.map((k: { userId: string }) => k.userId));
    expect(owners).toEqual(new Set([school.admin.id, school.teacher.id, school.student.id]));
    const revoked = await school.admin.http.delete(`/admin/keys/${made.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await request(app.url, 'GET', '/project', { key: made.body.key })).status).toBe(401);
    expect((await school.student.http.get('/project')).status).toBe(200);
  });

  it("answers 404 when a student revokes someone else's key", async () => {
    const adminKeys = await school.admin.http.get('/admin/keys', { query: { userId: school.admin.id } });
    const target = adminKeys.body[0].id;
    expect((await school.student.http.delete(`/admin/keys/${target}`)).status).toBe(404);
    expect((await school.admin.http.get('/admin/tenants/current')).status).toBe(200);
  });
});
