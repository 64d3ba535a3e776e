import { randomBytes } from 'node:crypto';
import { FakeLlm, hang, reply } from '../../fakes/llm';
import { createUser } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import {
  ACTORS,
  createSchool,
  expectOk,
  pricedProviderConfig,
  isTitleRequest,
  textPrompt,
  type Actor,
  type School,
} from './school.fixture';

// Every route of the school module and the main session routes, called by each kind of caller, from one table.
// `target` may create what the call consumes (a fresh session, user, class...), so rows are order-independent.

let app: TestApp;
let llm: FakeLlm;
let school: School;
let sessionA: string; // owned by the student of class A

type Expect = Record<Actor, number>;
interface Row {
  name: string;
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  target: () => string | Promise<string>;
  body?: () => unknown;
  expect: Expect;
}

const uid = () => randomBytes(4).toString('hex');
// Shorthands. "In school" rows name a resource of the school: callers from elsewhere get 404, never 403.
const adminInSchool = (ok: number): Expect => ({
  platformAdmin: 404,
  admin: ok,
  teacher: 403,
  otherTeacher: 403,
  student: 403,
  otherStudent: 403,
  otherTenant: 404,
});
const adminAnywhere = (ok: number): Expect => ({
  platformAdmin: ok,
  admin: ok,
  teacher: 403,
  otherTeacher: 403,
  student: 403,
  otherStudent: 403,
  otherTenant: ok,
});
const readSession: Expect = {
  platformAdmin: 404,
  admin: 200,
  teacher: 200,
  otherTeacher: 404,
  student: 200,
  otherStudent: 404,
  otherTenant: 404,
};
const writeSession: Expect = { ...readSession, teacher: 403 };

async function freshStudentSession(): Promise<string> {
  return `/session/${expectOk(await school.http.student.post('/session', { body: { title: 'disposable' } }), 200, 'create session').id}`;
}

const rows: Row[] = [
  // classes
  {
    name: 'list classes',
    method: 'get',
    target: () => '/admin/classes',
    expect: {
      platformAdmin: 200,
      admin: 200,
      teacher: 200,
      otherTeacher: 200,
      student: 403,
      otherStudent: 403,
      otherTenant: 200,
    },
  },
  {
    name: 'create class',
    method: 'post',
    target: () => '/admin/classes',
    body: () => ({ name: `Class ${uid()}` }),
    expect: adminAnywhere(201),
  },
  {
    name: 'get class',
    method: 'get',
    target: () => `/admin/classes/${school.classA}`,
    expect: {
      platformAdmin: 404,
      admin: 200,
      teacher: 200,
      otherTeacher: 404,
      student: 403,
      otherStudent: 403,
      otherTenant: 404,
    },
  },
  {
    name: 'rename class',
    method: 'patch',
    target: () => `/admin/classes/${school.classA}`,
    body: () => ({ name: 'Class A' }),
    expect: adminInSchool(200),
  },
  {
    name: 'delete class',
    method: 'delete',
    target: async () =>
      `/admin/classes/${expectOk(await school.http.admin.post('/admin/classes', { body: { name: `Gone ${uid()}` } }), 201, 'class').id}`,
    expect: adminInSchool(200),
  },
  {
    name: 'add class member',
    method: 'post',
    target: () => `/admin/classes/${school.classA}/members`,
    body: () => ({ userId: school.users.student.id, role: 'student' }),
    expect: adminInSchool(201),
  },
  {
    name: 'remove class member',
    method: 'delete',
    target: async () => {
      const u = await createUser(app.url, school.users.admin.key, 'student');
      expectOk(
        await school.http.admin.post(`/admin/classes/${school.classA}/members`, {
          body: { userId: u.id, role: 'student' },
        }),
        201,
        'member',
      );
      return `/admin/classes/${school.classA}/members/${u.id}`;
    },
    expect: adminInSchool(200),
  },
  // budgets
  { name: 'list budgets', method: 'get', target: () => '/admin/budgets', expect: adminAnywhere(200) },
  {
    name: 'set a role budget',
    method: 'put',
    target: () => '/admin/budgets',
    body: () => ({ scope: 'role:teacher', metric: 'prompts_day', limit: '1000' }),
    expect: adminAnywhere(200),
  },
  {
    name: "set a student's budget",
    method: 'put',
    target: () => '/admin/budgets',
    body: () => ({ scope: `user:${school.users.student.id}`, metric: 'prompts_day', limit: '1000' }),
    expect: adminInSchool(200),
  },
  {
    name: 'delete budget',
    method: 'delete',
    target: async () =>
      `/admin/budgets/${expectOk(await school.http.admin.put('/admin/budgets', { body: { scope: `class:${school.classB}`, metric: 'tokens_day', limit: '1000000' } }), 200, 'budget').id}`,
    expect: adminInSchool(200),
  },
  // usage, audit, JWT settings
  { name: 'usage report', method: 'get', target: () => '/admin/usage?groupBy=user', expect: adminAnywhere(200) },
  {
    name: 'usage CSV',
    method: 'get',
    target: () => '/admin/usage?groupBy=model&format=csv',
    expect: adminAnywhere(200),
  },
  { name: 'audit log', method: 'get', target: () => '/admin/audit?action=class.create', expect: adminAnywhere(200) },
  { name: 'JWT settings', method: 'get', target: () => '/admin/jwt', expect: adminAnywhere(200) },
  {
    name: 'set JWT settings',
    method: 'put',
    target: () => '/admin/jwt',
    body: () => ({ issuer: `https://lms-${uid()}.example`, secret: randomBytes(24).toString('hex') }),
    expect: adminAnywhere(200),
  },
  { name: 'disable JWT', method: 'delete', target: () => '/admin/jwt', expect: adminAnywhere(200) },
  // data lifecycle
  {
    name: "export a student's data",
    method: 'get',
    target: () => `/admin/users/${school.users.student.id}/export`,
    expect: adminInSchool(200),
  },
  {
    name: 'delete a user',
    method: 'delete',
    target: async () => `/admin/users/${(await createUser(app.url, school.users.admin.key, 'student')).id}`,
    expect: adminInSchool(200),
  },
  // the main session routes, on a session of the student of class A
  {
    name: 'list sessions',
    method: 'get',
    target: () => '/session',
    expect: {
      platformAdmin: 200,
      admin: 200,
      teacher: 200,
      otherTeacher: 200,
      student: 200,
      otherStudent: 200,
      otherTenant: 200,
    },
  },
  { name: 'get session', method: 'get', target: () => `/session/${sessionA}`, expect: readSession },
  { name: 'list messages', method: 'get', target: () => `/session/${sessionA}/message`, expect: readSession },
  { name: 'child sessions', method: 'get', target: () => `/session/${sessionA}/children`, expect: readSession },
  {
    name: 'prompt',
    method: 'post',
    target: () => `/session/${sessionA}/message`,
    body: () => textPrompt('hello'),
    expect: writeSession,
  },
  {
    name: 'rename session',
    method: 'patch',
    target: () => `/session/${sessionA}`,
    body: () => ({ title: 'renamed' }),
    expect: writeSession,
  },
  {
    name: 'archive session',
    method: 'patch',
    target: () => `/session/${sessionA}`,
    body: () => ({ time: { archived: Date.now() } }),
    expect: writeSession,
  },
  { name: 'abort session', method: 'post', target: () => `/session/${sessionA}/abort`, expect: readSession },
  { name: 'delete session', method: 'delete', target: freshStudentSession, expect: writeSession },
];

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').usage({ input: 10, output: 2 }).stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createSchool(app.url, app.adminKey);
  sessionA = expectOk(await school.http.student.post('/session', { body: { title: 'homework' } }), 200, 'session').id;
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

describe('role matrix', () => {
  const cases = rows.flatMap((row) => ACTORS.map((actor) => ({ row, actor, status: row.expect[actor] })));
  it.each(cases.map((c) => [c.row.method.toUpperCase(), c.row.name, c.actor, c.status, c] as const))(
    '%s %s as %s → %i',
    async (_m, _n, actor, status, c) => {
      const path = await c.row.target();
      const res = await school.http[actor][c.row.method](path, c.row.body ? { body: c.row.body() } : {});
      if (res.status !== status)
        throw new Error(
          `${c.row.method.toUpperCase()} ${path} as ${actor}: expected ${status}, got ${res.status}: ${res.text.slice(0, 300)}`,
        );
      if (status === 404) expect(res.body).toMatchObject({ name: 'NotFoundError' });
    },
  );
});

describe('what each caller sees', () => {
  it('lists: a teacher sees their students, not the other class; students only themselves', async () => {
    const other = expectOk(
      await school.http.otherStudent.post('/session', { body: { title: 'class B work' } }),
      200,
      'session',
    ).id;
    const ids = async (actor: Actor) =>
      (expectOk(await school.http[actor].get('/session'), 200, 'list') as { id: string }[]).map((s) => s.id);
    expect(await ids('teacher')).toEqual(expect.arrayContaining([sessionA]));
    expect(await ids('teacher')).not.toContain(other);
    expect(await ids('otherTeacher')).toEqual(expect.arrayContaining([other]));
    expect(await ids('otherTeacher')).not.toContain(sessionA);
    expect(await ids('student')).not.toContain(other);
    expect(await ids('otherStudent')).toEqual([other]);
    expect(await ids('admin')).toEqual(expect.arrayContaining([sessionA, other]));
    expect(await ids('otherTenant')).not.toContain(sessionA);
  });

  it('session statuses: a busy session shows to its class teacher, not to another teacher', async () => {
    const busy = expectOk(
      await school.http.otherStudent.post('/session', { body: { title: 'long task' } }),
      200,
      'session',
    ).id;
    const loopRequests = () => llm.requests.filter((r) => !isTitleRequest(r)).length;
    const before = loopRequests();
    llm.enqueueWhen((r) => !isTitleRequest(r), hang());
    expectOk(
      await school.http.otherStudent.post(`/session/${busy}/prompt_async`, { body: textPrompt('think hard') }),
      204,
      'prompt',
    );
    // Abort only once the LLM holds the hanging request, or the queued hang would catch a later prompt.
    await waitUntil('the LLM to hold the hanging request', loopRequests, (n) => n > before);
    const statuses = async (actor: Actor) =>
      expectOk(await school.http[actor].get('/session/status'), 200, 'status') as Record<string, unknown>;
    await waitUntil(
      'the class teacher to see the session busy',
      () => statuses('otherTeacher'),
      (s) => busy in s,
    );
    expect(await statuses('otherTeacher')).toHaveProperty(busy);
    expect(await statuses('admin')).toHaveProperty(busy);
    expect(await statuses('teacher')).not.toHaveProperty(busy);
    expect(await statuses('student')).not.toHaveProperty(busy);
    expectOk(await school.http.otherTeacher.post(`/session/${busy}/abort`), 200, 'abort by the class teacher');
  });

  it('a teacher sees only the classes they teach', async () => {
    const mine = expectOk(await school.http.teacher.get('/admin/classes'), 200, 'classes') as { id: string }[];
    expect(mine.map((c) => c.id)).toEqual([school.classA]);
  });

  it("a teacher's event stream carries their students' sessions, not another class's", async () => {
    const headers = (actor: 'teacher' | 'otherTeacher') => ({ authorization: `Bearer ${school.users[actor].key}` });
    const mine = await SseClient.open(app.url, '/event', { headers: headers('teacher') });
    const theirs = await SseClient.open(app.url, '/event', { headers: headers('otherTeacher') });
    try {
      expectOk(
        await school.http.student.post(`/session/${sessionA}/message`, { body: textPrompt('watch me') }),
        200,
        'prompt',
      );
      await mine.waitForType('session.idle', 5000, (e: any) => e.properties.sessionID === sessionA);
      // An observation window for a negative fact (nothing leaks), not synchronisation: load can only hide a bug.
      await new Promise((r) => setTimeout(r, 200));
      expect(theirs.events.some((e: any) => JSON.stringify(e).includes(sessionA))).toBe(false);
    } finally {
      mine.close();
      theirs.close();
    }
  });

  it('a teacher abort is in the audit log; other tenants see none of it', async () => {
    expectOk(await school.http.teacher.post(`/session/${sessionA}/abort`), 200, 'abort');
    const log = expectOk(
      await school.http.admin.get('/admin/audit', { query: { action: 'session.abort.teacher' } }),
      200,
      'audit',
    ) as any[];
    expect(log[0]).toMatchObject({
      action: 'session.abort.teacher',
      actorId: school.users.teacher.id,
      target: sessionA,
      details: { ownerId: school.users.student.id },
    });
    const foreign = expectOk(await school.http.otherTenant.get('/admin/audit'), 200, 'audit') as any[];
    expect(foreign.some((e) => e.target === sessionA)).toBe(false);
  });
});
