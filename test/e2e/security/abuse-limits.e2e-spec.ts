import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { client, request } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk } from '../school/school.fixture';

// Abuse limits, on by default and per user, from the attacker's side: a student scripting requests, minting keys,
// opening streams or piling rules onto a session, and an anonymous visitor hammering share links. Each refusal is
// OpenCode's error body (429 with Retry-After; 400 for an oversized rule set) — and a whole class behind one NAT
// address still works, because the limits count users, not addresses.

jest.setTimeout(180_000);

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app?.close());

async function school(limits?: Record<string, number>): Promise<TestTenant> {
  const t = await createTenant(app.url, app.adminKey);
  if (limits) expectOk(await t.admin.http.patch('/admin/limits', { body: limits }), 200, 'set limits');
  return t;
}

const minute = () => Math.floor(Date.now() / 60_000);

function expectRefusal(res: { status: number; body: any; headers: Headers }, code: string): void {
  expect(res.status).toBe(429);
  expect(res.body).toMatchObject({ name: 'TooManyRequestsError', data: { code, message: expect.any(String) } });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(res.body.data.retryAfter).toBe(retryAfter);
}

describe('school admins set the limits', () => {
  it('are on by default, readable and settable by the school admin only, validated', async () => {
    const t = await school();
    expect(expectOk(await t.admin.http.get('/admin/limits'), 200, 'limits')).toEqual({
      requestsPerMinute: 600,
      apiKeysPerUser: 20,
      sseConnectionsPerUser: 10,
      sessionRules: 100,
      sessionRuleBytes: 65_536,
      shareRequestsPerMinutePerIp: 600,
    });
    for (const user of [t.student, t.teacher]) {
      expect((await user.http.get('/admin/limits')).status).toBe(403);
      expect((await user.http.patch('/admin/limits', { body: { requestsPerMinute: 100_000 } })).status).toBe(403);
    }
    for (const body of [
      { requestsPerMinute: 0 },
      { requestsPerMinute: 9 },
      { requestsPerMinute: 100_001 },
      { apiKeysPerUser: 'many' },
      { sseConnectionsPerUser: 1.5 },
      { sessionRuleBytes: null },
    ]) {
      const res = await t.admin.http.patch('/admin/limits', { body });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ name: 'BadRequest', data: { message: expect.any(String) } });
    }
    const changed = expectOk(
      await t.admin.http.patch('/admin/limits', { body: { requestsPerMinute: 1200, unknown: 5 } }),
      200,
      'patch',
    );
    expect(changed).toMatchObject({ requestsPerMinute: 1200, apiKeysPerUser: 20 });
    // Another school keeps its own.
    const other = await school();
    expect(expectOk(await other.admin.http.get('/admin/limits'), 200, 'other').requestsPerMinute).toBe(600);
  });
});

describe('requests per minute', () => {
  it('count per user across all their keys; other users are unaffected', async () => {
    const t = await school({ requestsPerMinute: 10 });
    const second = expectOk(
      await t.admin.http.post('/admin/keys', { body: { name: 'b', userId: t.student.id } }),
      201,
      'key',
    );
    const keys = [t.student.key, second.key];
    const before = minute();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => client(app.url, keys[i % 2]).get('/session')),
    );
    const ok = results.filter((r) => r.status === 200).length;
    // One window allows 10 however the requests split over the keys; a burst that straddles a minute, 20.
    expect(ok).toBeLessThanOrEqual(minute() === before ? 10 : 20);
    expectRefusal(
      results.find((r) => r.status === 429)!,
      'rate_limited',
    );
    expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    expect((await t.teacher.http.get('/session')).status).toBe(200);
  });

  it('a whole class behind one address works: thirty students, ten requests each', async () => {
    const t = await school();
    const students = await Promise.all(Array.from({ length: 30 }, () => createUser(app.url, t.admin.key, 'student')));
    const statuses = await Promise.all(
      students.map(async (s) => {
        const out: number[] = [];
        for (let i = 0; i < 10; i++) out.push((await s.http.get('/session')).status);
        return out;
      }),
    );
    expect(statuses.flat().filter((s) => s !== 200)).toEqual([]);
  });
});

describe('API keys per user', () => {
  it('parallel key requests never take a user past the limit; revoking one frees a place', async () => {
    const t = await school({ apiKeysPerUser: 3 });
    // The student holds one key already: of eight parallel requests exactly two succeed.
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => t.student.http.post('/admin/keys', { body: { name: `k${i}` } })),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(2);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.body).toMatchObject({ name: 'TooManyRequestsError', data: { code: 'limit_api_keys', limit: '3' } });
    // An admin minting keys for the student meets the same limit.
    expect((await t.admin.http.post('/admin/keys', { body: { name: 'x', userId: t.student.id } })).status).toBe(429);
    const id = results.find((r) => r.status === 201)!.body.id;
    expectOk(await t.student.http.delete(`/admin/keys/${id}`), 200, 'revoke');
    expect((await t.student.http.post('/admin/keys', { body: { name: 'again' } })).status).toBe(201);
  });
});

describe('event streams per user', () => {
  it('refuses a stream beyond the limit with 429, whichever key opens it; a closed stream frees its slot', async () => {
    const t = await school({ sseConnectionsPerUser: 2 });
    const second = expectOk(await t.student.http.post('/admin/keys', { body: { name: 'b' } }), 201, 'key');
    const a = await SseClient.open(app.url, '/event', { key: t.student.key });
    const b = await SseClient.open(app.url, '/global/event', { key: second.key });
    try {
      expect([a.status, b.status]).toEqual([200, 200]);
      const refused = await request(app.url, 'GET', '/event', { key: second.key });
      expectRefusal(refused, 'limit_sse_connections');
      // Another user of the school is unaffected.
      const teacher = await SseClient.open(app.url, '/event', { key: t.teacher.key });
      expect(teacher.status).toBe(200);
      teacher.close();
      a.close();
      const again = await waitUntil(
        'a slot freed by the closed stream',
        async () => {
          const s = await SseClient.open(app.url, '/event', { key: t.student.key });
          if (s.status !== 200) s.close();
          return s;
        },
        (s) => s.status === 200,
      );
      again.close();
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('session permission rules', () => {
  const rule = (pattern: string) => ({ permission: 'bash', pattern, action: 'deny' });

  it('caps how many rules a session carries and their size, on create and on update (400)', async () => {
    const t = await school({ sessionRules: 3, sessionRuleBytes: 1024 });
    const tooMany = await t.student.http.post('/session', { body: { permission: ['a', 'b', 'c', 'd'].map(rule) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ name: 'BadRequest', data: { code: 'limit_session_rules', limit: '3' } });
    const tooBig = await t.student.http.post('/session', { body: { permission: [rule('x'.repeat(1100))] } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.data.code).toBe('limit_session_rules');

    const s = expectOk(
      await t.student.http.post('/session', { body: { permission: [rule('a'), rule('b')] } }),
      200,
      'ok',
    );
    expectOk(await t.student.http.patch(`/session/${s.id}`, { body: { permission: [rule('c')] } }), 200, 'third');
    // Updates append: a fourth rule would pass the limit.
    const fourth = await t.student.http.patch(`/session/${s.id}`, { body: { permission: [rule('d')] } });
    expect(fourth.status).toBe(400);
    expect(fourth.body.data.code).toBe('limit_session_rules');
    expect(expectOk(await t.student.http.get(`/session/${s.id}`), 200, 'get').permission).toHaveLength(3);
  });
});

describe('public share links', () => {
  it('count per client address, for existing and guessed links alike; signed-in users are not counted', async () => {
    const t = await school({ shareRequestsPerMinutePerIp: 10 });
    expectOk(
      await client(app.url, app.adminKey).patch(`/admin/tenants/${t.id}`, {
        body: { settings: { shareAllowed: true } },
      }),
      200,
      'sharing on',
    );
    const session = expectOk(await t.student.http.post('/session', { body: {} }), 200, 'session');
    const shared = expectOk(await t.student.http.post(`/session/${session.id}/share`), 200, 'share');
    const path = new URL(shared.share.url).pathname;
    const before = minute();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => request(app.url, 'GET', i % 3 ? path : `/share/${'A'.repeat(22)}`)),
    );
    // The guessed link counts too, against the platform default (600) — but it fills the same per-address window.
    const okOrMissing = results.filter((r) => r.status === 200 || r.status === 404).length;
    expect(okOrMissing).toBeLessThan(30);
    expect(okOrMissing).toBeLessThanOrEqual(minute() === before ? 20 : 30);
    expectRefusal(
      results.find((r) => r.status === 429)!,
      'rate_limited',
    );
    expect((await t.student.http.get(`/session/${session.id}`)).status).toBe(200);
  });
});
