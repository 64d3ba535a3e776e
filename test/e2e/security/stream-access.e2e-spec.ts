import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { client } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { createClass, expectOk } from '../school/school.fixture';

// Access ends when rights end, from the attacker's side: someone keeps an event stream open and then loses the
// right that opened it — their key is revoked, their account deleted or re-roled, they stop teaching a class, or
// the school turns sharing off under a public link. The stream must end (the client reconnects with today's
// rights) instead of carrying events for as long as the socket lives. `waitForEnd` is the 10 s bound.

jest.setTimeout(120_000);

let app: TestApp;
let school: TestTenant;

beforeAll(async () => {
  app = await startTestApp();
  school = await createTenant(app.url, app.adminKey);
});
afterAll(() => app?.close());

async function open(route: string, key?: string): Promise<SseClient> {
  const sse = await SseClient.open(app.url, route, { key });
  expect(sse.status).toBe(200);
  await sse.waitForType('server.connected');
  return sse;
}

const sessionCreated = (id: string) => (d: any) =>
  (d?.type ?? d?.payload?.type) === 'session.created' && (d.properties ?? d.payload.properties).info.id === id;

describe('open streams close when rights end', () => {
  it('a revoked key ends its /event and /global/event streams; the user’s other key keeps streaming', async () => {
    const user = await createUser(app.url, school.admin.key, 'student');
    const second = expectOk(await user.http.post('/admin/keys', { body: { name: 'second' } }), 201, 'second key');
    const keys = expectOk(await user.http.get('/admin/keys'), 200, 'keys') as { id: string; name: string }[];
    const first = keys.find((k) => k.name !== 'second')!;
    const event = await open('/event', user.key);
    const global = await open('/global/event', user.key);
    const other = await open('/event', second.key);
    try {
      expectOk(await client(app.url, second.key).delete(`/admin/keys/${first.id}`), 200, 'revoke');
      await Promise.all([event.waitForEnd(), global.waitForEnd()]);
      // The surviving key's stream still carries the user's events.
      const s = expectOk(await client(app.url, second.key).post('/session', { body: {} }), 200, 'session');
      await other.waitFor((f) => sessionCreated(s.id)(f.data));
      expect(other.isEnded).toBe(false);
      // Reconnecting with the revoked key is refused.
      expect((await SseClient.open(app.url, '/event', { key: user.key })).status).toBe(401);
    } finally {
      for (const s of [event, global, other]) s.close();
    }
  });

  it('deleting a user ends their streams', async () => {
    const user = await createUser(app.url, school.admin.key, 'student');
    const sse = await open('/event', user.key);
    try {
      expectOk(await school.admin.http.delete(`/admin/users/${user.id}`), 200, 'delete user');
      await sse.waitForEnd();
    } finally {
      sse.close();
    }
  });

  it('re-roling a user ends their streams; the reconnect carries the new role', async () => {
    const user = await createUser(app.url, school.admin.key, 'teacher');
    const sse = await open('/event', user.key);
    try {
      expectOk(await school.admin.http.patch(`/admin/users/${user.id}`, { body: { role: 'student' } }), 200, 're-role');
      await sse.waitForEnd();
      const again = await open('/event', user.key);
      again.close();
    } finally {
      sse.close();
    }
  });

  it('a teacher taken off a class stops receiving its students’ events', async () => {
    const teacher = await createUser(app.url, school.admin.key, 'teacher');
    const student = await createUser(app.url, school.admin.key, 'student');
    const cls = await createClass(school.admin.http, `Access ${teacher.id}`, [
      { userId: teacher.id, role: 'teacher' },
      { userId: student.id, role: 'student' },
    ]);
    const sse = await open('/event', teacher.key);
    let after: SseClient | undefined;
    try {
      const before = expectOk(await student.http.post('/session', { body: {} }), 200, 'session');
      await sse.waitFor((f) => sessionCreated(before.id)(f.data));

      expectOk(await school.admin.http.delete(`/admin/classes/${cls}/members/${teacher.id}`), 200, 'remove teacher');
      await sse.waitForEnd();

      // The reconnected stream follows the new roster: the student's next session is not on it. The teacher's own
      // session, created afterwards on the same process, fences the wait (events of one process keep their order).
      after = await open('/event', teacher.key);
      const hidden = expectOk(await student.http.post('/session', { body: {} }), 200, 'session');
      const own = expectOk(await teacher.http.post('/session', { body: {} }), 200, 'session');
      await after.waitFor((f) => sessionCreated(own.id)(f.data));
      expect(after.events.some(sessionCreated(hidden.id))).toBe(false);
    } finally {
      sse.close();
      after?.close();
    }
  });

  it('a teacher keeps streaming when a student joins their class, and sees the newcomer without reconnecting', async () => {
    const teacher = await createUser(app.url, school.admin.key, 'teacher');
    const student = await createUser(app.url, school.admin.key, 'student');
    const cls = await createClass(school.admin.http, `Widen ${teacher.id}`, [{ userId: teacher.id, role: 'teacher' }]);
    const sse = await open('/event', teacher.key);
    try {
      expectOk(
        await school.admin.http.post(`/admin/classes/${cls}/members`, {
          body: { userId: student.id, role: 'student' },
        }),
        201,
        'add student',
      );
      // The re-check widens the open stream in place: a session the student creates then arrives on it.
      await waitUntil('a new session of the added student on the open stream', async () => {
        const s = expectOk(await student.http.post('/session', { body: {} }), 200, 'session');
        return sse
          .waitFor((f) => sessionCreated(s.id)(f.data), 500)
          .then(
            () => true,
            () => false,
          );
      });
      expect(sse.isEnded).toBe(false);
    } finally {
      sse.close();
    }
  });

  it('turning sharing off ends the school’s public share streams', async () => {
    const patch = (shareAllowed: boolean) =>
      client(app.url, app.adminKey).patch(`/admin/tenants/${school.id}`, { body: { settings: { shareAllowed } } });
    expectOk(await patch(true), 200, 'sharing on');
    const session = expectOk(await school.student.http.post('/session', { body: {} }), 200, 'session');
    const shared = expectOk(await school.student.http.post(`/session/${session.id}/share`), 200, 'share');
    const shareId = /\/share\/([A-Za-z0-9_-]{22})$/.exec(shared.share.url)![1];
    const sse = await open(`/share/${shareId}/event`);
    try {
      expectOk(await patch(false), 200, 'sharing off');
      await sse.waitForEnd();
      expect((await SseClient.open(app.url, `/share/${shareId}/event`)).status).toBe(404);
    } finally {
      sse.close();
    }
  });
});
