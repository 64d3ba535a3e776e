import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { FakeLlm, reply, type RecordedRequest } from '../../fakes/llm';
import { createTenant, createUser } from '../../factories/tenant.factory';
import { onHost } from '../../utils/host-path';
import { buildZip } from '../../utils/archive-builder';
import { client, request, type Client } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { createSchool, expectOk, pricedProviderConfig, textPrompt, type School } from '../school/school.fixture';
import { createProject } from '../../utils/project';

// The role × route matrix, generated from the app's own OpenAPI document (GET /doc): every operation is called by
// every kind of caller and must answer the status its policy below says. A route missing from the policy table
// fails the test, so a new route cannot ship unclassified. Written from the attacker's side: the resource each
// call names belongs to the student of class A (their session, their project, their files), and the callers are
//   anonymous · that student · a student of class B · the teacher of class A · the teacher of class B
//   · the school's admin · another school's admin · the platform administrator (who lives in a tenant of their own).
// One app boot, fixtures made once, the requests run in parallel with a bound; each case then asserts its result.

// A bound against a hang, not a time limit (each request has its own 60 s bound): at load 20 on 2 cores the
// matrix took 297 s after 46 s of boot and fixtures, past the 300 s this once had.
jest.setTimeout(900_000);

const ACTORS = [
  'anonymous',
  'student',
  'otherStudent',
  'teacher',
  'otherTeacher',
  'admin',
  'otherAdmin',
  'platformAdmin',
] as const;
type Actor = (typeof ACTORS)[number];
/** 'ok' stands for the 2xx status the OpenAPI document declares for the operation. */
type Status = number | 'ok';
type Expect = Record<Actor, Status>;
interface Call {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
}
interface Policy {
  expect: Expect;
  /**
   * The request for one caller. `own` is true when the caller is expected to succeed: then the call creates what
   * it consumes (a fresh session, key, user…); refused callers aim at the shared fixture, which a refusal leaves
   * intact — so few fixtures are made, and a wrongly allowed call still fails its own case.
   */
  call: (actor: Actor, own: boolean) => Call | Promise<Call>;
  sse?: boolean;
}

const CONCURRENCY = 8;
const uid = () => randomBytes(4).toString('hex');

let app: TestApp;
let llm: FakeLlm;
let school: School;
let http: Record<Actor, Client>;
let worktreeA: string; // the student's project "hw"
let projectA: string;
let sessionA: string; // the student's session in it, with one exchange
let messageA: string;
let partA: string;
let shareA: string;
let ptyA: string; // the student's terminal
let assignmentA: string; // an assignment of class A with starter files, opened by the student
let collectionA: string;
// Shared targets for the callers who must be refused.
const spare = {} as {
  permission: { session: string; id: string };
  question: string;
  key: string;
  user: string;
  tenant: string;
  class: string;
  member: string;
  budget: string;
  allowance: string;
  assignment: string;
};

// ---- expectations -------------------------------------------------------------------------------------------
const all = (s: Status): Expect => Object.fromEntries(ACTORS.map((a) => [a, s])) as Expect;
/** Any signed-in caller, about their own things. */
const signedIn = (s: Status = 'ok'): Expect => ({ ...all(s), anonymous: 401 });
/** Platform administrators only. */
const platformOnly: Expect = { ...all(403), anonymous: 401, platformAdmin: 'ok' };
/** A school admin's route about their own school as a whole (every admin has a school). */
const anyAdmin = (s: Status = 'ok'): Expect => ({
  ...all(403),
  anonymous: 401,
  admin: s,
  otherAdmin: s,
  platformAdmin: s,
});
/** A school admin's route naming a thing of this school: admins elsewhere get 404, never 403. */
const schoolAdmin: Expect = { ...all(403), anonymous: 401, admin: 'ok', otherAdmin: 404, platformAdmin: 404 };
/** Reading the student's things: the student, their class's teacher and their school's admin. */
const studentRead: Expect = {
  anonymous: 401,
  student: 'ok',
  otherStudent: 404,
  teacher: 'ok',
  otherTeacher: 404,
  admin: 'ok',
  otherAdmin: 404,
  platformAdmin: 404,
};
/** Changing them: teachers watch their students' workspaces read-only (unless the school enables teacher writes). */
const studentWrite: Expect = { ...studentRead, teacher: 403 };
/** A terminal is its owner's alone: whoever attaches can type, so everyone else gets 404, admins included. */
const ownerOnly: Expect = { ...all(404), anonymous: 401, student: 'ok' };
/** Routes for admins and teachers, on the student's project: students 403 by role, teachers read-only. */
const staffOnStudentProject: Expect = { ...studentWrite, student: 403, otherStudent: 403 };

// ---- fixtures -----------------------------------------------------------------------------------------------
const inA = (extra: Record<string, string> = {}) => ({ directory: worktreeA, ...extra });
const tagged = (tag: string) => (r: RecordedRequest) => JSON.stringify(r.body).includes(tag);

async function freshSession(title = 'fresh'): Promise<string> {
  return expectOk(await http.student.post('/session', { query: inA(), body: { title } }), 200, 'session').id;
}

/** A session of the student with one finished exchange. */
async function sessionWithExchange(): Promise<{ id: string; message: string }> {
  const id = await freshSession();
  const res = expectOk(await http.student.post(`/session/${id}/message`, { body: textPrompt('hello') }), 200, 'prompt');
  return { id, message: res.info.id };
}

/** The first defined value of `probe`; the bound only matters when the ask never comes (at load 25, a prompt took
 * over 15 s to reach its tool's ask while the matrix's own requests took up to 30 s). */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  return (await waitUntil(what, probe, (v) => v !== undefined, { timeoutMs: 60_000 })) as T;
}

/** A permission request pending in a fresh session of the student (bash asks under this app's config). */
async function pendingPermission(): Promise<{ session: string; id: string }> {
  const session = await freshSession();
  const tag = `perm-${uid()}`;
  llm.enqueueWhen(
    tagged(tag),
    reply()
      .tool('bash', { command: `echo ${tag}`, description: 'echo' })
      .stop(),
  );
  expectOk(await http.student.post(`/session/${session}/prompt_async`, { body: textPrompt(tag) }), 204, 'prompt');
  const id = await waitFor(
    'permission',
    async () =>
      (expectOk(await http.student.get('/permission'), 200, 'permissions') as any[]).find(
        (p) => p.sessionID === session,
      )?.id as string | undefined,
  );
  return { session, id };
}

async function pendingQuestion(): Promise<string> {
  const session = await freshSession();
  const tag = `q-${uid()}`;
  const questions = [{ header: 'Pick', question: 'Which?', options: [{ label: 'A', description: 'a' }] }];
  llm.enqueueWhen(tagged(tag), reply().tool('question', { questions }).stop());
  expectOk(await http.student.post(`/session/${session}/prompt_async`, { body: textPrompt(tag) }), 204, 'prompt');
  const id = await waitFor(
    'question',
    async () =>
      (expectOk(await http.student.get('/question'), 200, 'questions') as any[]).find((q) => q.sessionID === session)
        ?.id as string | undefined,
  );
  questionSession.set(id, session);
  return id;
}
const questionSession = new Map<string, string>();
/** A teacher's answer for the student: a fresh pending ask for callers who may answer, the shared one otherwise. */
async function onBehalfQuestion(own: boolean, verb: 'reply' | 'reject'): Promise<Call> {
  const id = own ? await pendingQuestion() : spare.question;
  return {
    path: `/classroom/sessions/${questionSession.get(id)}/questions/${id}/${verb}`,
    body: verb === 'reply' ? { answers: [['A']] } : undefined,
  };
}

const studentPty = async () =>
  expectOk(await http.student.post('/pty', { query: inA(), body: { title: 'spare' } }), 200, 'pty').id as string;

const newClass = async () =>
  expectOk(await http.admin.post('/admin/classes', { body: { name: `Gone ${uid()}` } }), 201, 'class').id as string;
async function newMember(): Promise<string> {
  const u = await createUser(app.url, school.users.admin.key, 'student');
  expectOk(
    await http.admin.post(`/admin/classes/${school.classA}/members`, { body: { userId: u.id, role: 'student' } }),
    201,
    'member',
  );
  return u.id;
}
async function newBudget(): Promise<string> {
  const body = {
    scope: `class:${school.classB}`,
    metric: 'tokens_day',
    limit: String(1e9 + Math.floor(Math.random() * 1e6)),
  };
  return expectOk(await http.admin.put('/admin/budgets', { body }), 200, 'budget').id;
}
async function newAllowance(): Promise<string> {
  const u = await createUser(app.url, school.users.admin.key, 'student');
  const body = { scope: `user:${u.id}`, unit: 'cost', capacity: '1000', refill: '1000', per: 'day' };
  return expectOk(await http.admin.put('/admin/allowances', { body }), 200, 'allowance').id;
}

/** Teachers of the class and the school's admins manage its assignments; its students read them. */
const classManage: Expect = { ...studentRead, student: 403, otherStudent: 403 };
const newAssignment = async () =>
  expectOk(
    await http.teacher.post(`/classroom/classes/${school.classA}/assignments`, { body: { title: `A ${uid()}` } }),
    200,
    'assignment',
  ).id as string;
const starterZip = () => buildZip([{ name: 'main.py', data: 'print(1)\n' }]);

// ---- the policy of every operation ---------------------------------------------------------------------------
const s =
  (sub = '') =>
  () => ({ path: `/session/${sessionA}${sub}` });
const fresh = (sub: string, body?: unknown) => async (_: Actor, own: boolean) => ({
  path: `/session/${own ? await freshSession() : sessionA}${sub}`,
  body,
});
const withExchange = (sub: (m: string) => string, body?: (m: string) => unknown) => async (_: Actor, own: boolean) => {
  const x = own ? await sessionWithExchange() : { id: sessionA, message: messageA };
  return { path: `/session/${x.id}${sub(x.message)}`, body: body?.(x.message) };
};

const POLICY: Record<string, Policy> = {
  // events, config, project
  'GET /event': { expect: studentRead, call: () => ({ path: '/event', query: inA() }), sse: true },
  'GET /global/event': { expect: signedIn(), call: () => ({ path: '/global/event' }), sse: true },
  'GET /config': { expect: studentRead, call: () => ({ path: '/config', query: inA() }) },
  'PATCH /config': {
    expect: staffOnStudentProject,
    call: () => ({ path: '/config', query: inA(), body: { username: 'x' } }),
  },
  'GET /global/config': { expect: signedIn(), call: () => ({ path: '/global/config' }) },
  'PATCH /global/config': { expect: anyAdmin(), call: () => ({ path: '/global/config', body: { username: 'x' } }) },
  'GET /project': { expect: signedIn(), call: () => ({ path: '/project' }) },
  'GET /project/current': { expect: studentRead, call: () => ({ path: '/project/current', query: inA() }) },
  'PATCH /project/{projectID}': {
    expect: studentWrite,
    call: () => ({ path: `/project/${projectA}`, body: { name: 'hw' } }),
  },
  'GET /path': { expect: studentRead, call: () => ({ path: '/path', query: inA() }) },
  // tenants
  'POST /admin/tenants': {
    expect: { ...platformOnly, platformAdmin: 'ok' },
    call: () => ({ path: '/admin/tenants', body: { name: 'New', slug: `new-${uid()}`, admin: { name: 'Head' } } }),
  },
  'GET /admin/tenants': { expect: platformOnly, call: () => ({ path: '/admin/tenants' }) },
  'GET /admin/tenants/current': { expect: signedIn(), call: () => ({ path: '/admin/tenants/current' }) },
  // Each admin changes their own school (the body repeats what the fixture already set).
  'PATCH /admin/tenants/current': {
    expect: anyAdmin(),
    call: () => ({ path: '/admin/tenants/current', body: { settings: { shareAllowed: true } } }),
  },
  'GET /admin/tenants/{id}': { expect: platformOnly, call: () => ({ path: `/admin/tenants/${school.tenantId}` }) },
  'PATCH /admin/tenants/{id}': {
    expect: platformOnly,
    call: () => ({ path: `/admin/tenants/${school.tenantId}`, body: { name: 'School S' } }),
  },
  'DELETE /admin/tenants/{id}': {
    expect: platformOnly,
    call: async (_, own) => ({
      path: `/admin/tenants/${own ? (await createTenant(app.url, app.adminKey)).id : spare.tenant}`,
    }),
  },
  // users and keys
  'GET /admin/users': {
    expect: { ...anyAdmin(), teacher: 'ok', otherTeacher: 'ok' },
    call: () => ({ path: '/admin/users' }),
  },
  'POST /admin/users': {
    expect: anyAdmin(201),
    call: () => ({ path: '/admin/users', body: { name: 'New student', role: 'student' } }),
  },
  'GET /admin/users/{id}': { expect: schoolAdmin, call: () => ({ path: `/admin/users/${school.users.student.id}` }) },
  'PATCH /admin/users/{id}': {
    expect: schoolAdmin,
    call: () => ({ path: `/admin/users/${school.users.student.id}`, body: { name: 'Student A' } }),
  },
  'DELETE /admin/users/{id}': {
    expect: schoolAdmin,
    call: async (_, own) => ({
      path: `/admin/users/${own ? (await createUser(app.url, school.users.admin.key, 'student')).id : spare.user}`,
    }),
  },
  'DELETE /admin/users/{id}/data': {
    expect: schoolAdmin,
    call: async (_, own) => ({
      path: `/admin/users/${own ? (await createUser(app.url, school.users.admin.key, 'student')).id : spare.user}/data`,
    }),
  },
  // Retention is off in these schools: the dry run and the run report nothing to remove.
  'GET /admin/retention': { expect: anyAdmin(), call: () => ({ path: '/admin/retention' }) },
  'POST /admin/retention/run': { expect: anyAdmin(), call: () => ({ path: '/admin/retention/run' }) },
  'GET /admin/users/{id}/export': {
    expect: schoolAdmin,
    call: () => ({ path: `/admin/users/${school.users.student.id}/export` }),
  },
  'GET /admin/keys': { expect: signedIn(), call: () => ({ path: '/admin/keys' }) },
  'POST /admin/keys': {
    // A key for the student: they may make their own; nobody but their school's admin makes one for them.
    expect: {
      anonymous: 401,
      student: 'ok',
      otherStudent: 403,
      teacher: 403,
      otherTeacher: 403,
      admin: 'ok',
      otherAdmin: 404,
      platformAdmin: 404,
    },
    call: () => ({ path: '/admin/keys', body: { name: `k-${uid()}`, userId: school.users.student.id } }),
  },
  'DELETE /admin/keys/{id}': {
    expect: { ...studentWrite, teacher: 404 },
    call: async (_, own) => {
      if (!own) return { path: `/admin/keys/${spare.key}` };
      const key = expectOk(
        await http.admin.post('/admin/keys', { body: { name: 'spare', userId: school.users.student.id } }),
        201,
        'key',
      );
      return { path: `/admin/keys/${key.id}` };
    },
  },
  // health, jobs
  'GET /global/health': { expect: all('ok'), call: () => ({ path: '/global/health' }) },
  'GET /ready': { expect: all('ok'), call: () => ({ path: '/ready' }) },
  'POST /admin/jobs/health': { expect: platformOnly, call: () => ({ path: '/admin/jobs/health' }) },
  'GET /metrics': { expect: platformOnly, call: () => ({ path: '/metrics' }) },
  'POST /admin/snapshots/gc': { expect: anyAdmin(), call: () => ({ path: '/admin/snapshots/gc' }) },
  // agents, providers, tools, skills, commands (what the caller's own project offers)
  'GET /agent': { expect: signedIn(), call: () => ({ path: '/agent' }) },
  'GET /provider': { expect: signedIn(), call: () => ({ path: '/provider' }) },
  'GET /config/providers': { expect: signedIn(), call: () => ({ path: '/config/providers' }) },
  'GET /provider/auth': { expect: signedIn(), call: () => ({ path: '/provider/auth' }) },
  'PUT /auth/{providerID}': {
    expect: anyAdmin(),
    call: () => ({ path: '/auth/anthropic', body: { type: 'api', key: 'sk-test' } }),
  },
  'DELETE /auth/{providerID}': {
    expect: anyAdmin(),
    call: async (actor) => {
      // Each admin removes a credential of their own school, stored first (by the school's admin for the others).
      const who = actor === 'admin' || actor === 'otherAdmin' || actor === 'platformAdmin' ? actor : 'admin';
      const provider = `openai`;
      expectOk(await http[who].put(`/auth/${provider}`, { body: { type: 'api', key: 'sk-test' } }), 200, 'credential');
      return { path: `/auth/${provider}` };
    },
  },
  'GET /skill': { expect: studentRead, call: () => ({ path: '/skill', query: inA() }) },
  'GET /command': { expect: studentRead, call: () => ({ path: '/command', query: inA() }) },
  // The ids of the built-in tools: the same for every project, so the directory is not looked at.
  'GET /experimental/tool/ids': { expect: signedIn(), call: () => ({ path: '/experimental/tool/ids', query: inA() }) },
  'GET /experimental/tool': {
    expect: studentRead,
    call: () => ({ path: '/experimental/tool', query: inA({ provider: 'fake', model: 'fake-model' }) }),
  },
  // sessions
  'GET /session': { expect: studentRead, call: () => ({ path: '/session', query: inA() }) },
  'POST /session': { expect: studentWrite, call: () => ({ path: '/session', query: inA(), body: { title: 'mine' } }) },
  'GET /session/status': { expect: signedIn(), call: () => ({ path: '/session/status' }) },
  'GET /session/{sessionID}': { expect: studentRead, call: s() },
  'PATCH /session/{sessionID}': {
    expect: studentWrite,
    call: () => ({ path: `/session/${sessionA}`, body: { title: 'homework' } }),
  },
  'DELETE /session/{sessionID}': { expect: studentWrite, call: fresh('') },
  'GET /session/{sessionID}/children': { expect: studentRead, call: s('/children') },
  'GET /session/{sessionID}/todo': { expect: studentRead, call: s('/todo') },
  'GET /session/{sessionID}/message': { expect: studentRead, call: s('/message') },
  'POST /session/{sessionID}/message': { expect: studentWrite, call: fresh('/message', textPrompt('hi')) },
  'POST /session/{sessionID}/prompt_async': { expect: studentWrite, call: fresh('/prompt_async', textPrompt('hi')) },
  // Teachers may stop a runaway turn of their student (audited).
  'POST /session/{sessionID}/abort': { expect: studentRead, call: s('/abort') },
  'GET /session/{sessionID}/message/{messageID}': {
    expect: studentRead,
    call: () => ({ path: `/session/${sessionA}/message/${messageA}` }),
  },
  'DELETE /session/{sessionID}/message/{messageID}': {
    expect: studentWrite,
    call: withExchange((m) => `/message/${m}`),
  },
  'DELETE /session/{sessionID}/message/{messageID}/part/{partID}': {
    expect: studentWrite,
    call: async (_, own) => {
      if (!own) return { path: `/session/${sessionA}/message/${messageA}/part/${partA}` };
      const x = await sessionWithExchange();
      const msg = expectOk(await http.student.get(`/session/${x.id}/message/${x.message}`), 200, 'message');
      return { path: `/session/${x.id}/message/${x.message}/part/${msg.parts[0].id}` };
    },
  },
  'PATCH /session/{sessionID}/message/{messageID}/part/{partID}': {
    expect: studentWrite,
    call: () => ({
      path: `/session/${sessionA}/message/${messageA}/part/${partA}`,
      body: { id: partA, sessionID: sessionA, messageID: messageA, type: 'text', text: 'hello' },
    }),
  },
  'POST /session/{sessionID}/summarize': {
    expect: studentWrite,
    call: withExchange(
      () => '/summarize',
      () => ({ providerID: 'fake', modelID: 'fake-model' }),
    ),
  },
  'GET /session/{sessionID}/diff': { expect: studentRead, call: s('/diff') },
  'POST /session/{sessionID}/revert': {
    expect: studentWrite,
    call: withExchange(
      () => '/revert',
      (m) => ({ messageID: m }),
    ),
  },
  'POST /session/{sessionID}/unrevert': { expect: studentWrite, call: fresh('/unrevert') },
  // A fork is a new session in the same (the student's) project: a write.
  'POST /session/{sessionID}/fork': {
    expect: studentWrite,
    call: () => ({ path: `/session/${sessionA}/fork`, body: {} }),
  },
  'POST /session/{sessionID}/share': { expect: studentWrite, call: fresh('/share') },
  'DELETE /session/{sessionID}/share': {
    expect: studentWrite,
    call: async (_, own) => {
      if (!own) return { path: `/session/${sessionA}/share` };
      const id = await freshSession();
      expectOk(await http.student.post(`/session/${id}/share`), 200, 'share');
      return { path: `/session/${id}/share` };
    },
  },
  'GET /share/{shareID}': { expect: all('ok'), call: () => ({ path: `/share/${shareA}` }) },
  'GET /share/{shareID}/event': { expect: all('ok'), call: () => ({ path: `/share/${shareA}/event` }), sse: true },
  'POST /session/{sessionID}/command': {
    expect: studentWrite,
    call: fresh('/command', { command: 'hello', arguments: '' }),
  },
  'POST /session/{sessionID}/shell': {
    expect: studentWrite,
    call: fresh('/shell', { agent: 'build', command: 'echo hi' }),
  },
  // Permissions and questions: answering is acting in the session. Teachers neither list nor answer their
  // students' asks (404), as for any request that is not theirs.
  'GET /permission': { expect: signedIn(), call: () => ({ path: '/permission' }) },
  'POST /permission/{requestID}/reply': {
    expect: { ...studentWrite, teacher: 404 },
    call: async (_, own) => ({
      path: `/permission/${(own ? await pendingPermission() : spare.permission).id}/reply`,
      body: { reply: 'reject' },
    }),
  },
  'POST /session/{sessionID}/permissions/{permissionID}': {
    expect: { ...studentWrite, teacher: 404 },
    call: async (_, own) => {
      const p = own ? await pendingPermission() : spare.permission;
      return { path: `/session/${p.session}/permissions/${p.id}`, body: { response: 'reject' } };
    },
  },
  'GET /question': { expect: signedIn(), call: () => ({ path: '/question' }) },
  'POST /question/{requestID}/reply': {
    expect: { ...studentWrite, teacher: 404 },
    call: async (_, own) => ({
      path: `/question/${own ? await pendingQuestion() : spare.question}/reply`,
      body: { answers: [['A']] },
    }),
  },
  'POST /question/{requestID}/reject': {
    expect: { ...studentWrite, teacher: 404 },
    call: async (_, own) => ({ path: `/question/${own ? await pendingQuestion() : spare.question}/reject` }),
  },
  // MCP, on the student's project (the server "docs" was added by the school admin, disabled)
  'GET /mcp': { expect: studentRead, call: () => ({ path: '/mcp', query: inA() }) },
  'POST /mcp': {
    expect: staffOnStudentProject,
    call: () => ({
      path: '/mcp',
      query: inA(),
      body: { name: `extra-${uid()}`, config: { type: 'remote', url: 'http://127.0.0.1:9/mcp', enabled: false } },
    }),
  },
  // "docs" is disabled by the school's admin: the student may not switch it on (item 8 of issue 21).
  'POST /mcp/{name}/connect': {
    expect: { ...studentWrite, student: 403 },
    call: () => ({ path: '/mcp/docs/connect', query: inA() }),
  },
  'POST /mcp/{name}/disconnect': { expect: studentWrite, call: () => ({ path: '/mcp/docs/disconnect', query: inA() }) },
  // Remote-server OAuth needs sealed token storage; an allowed caller reaches that domain answer (400 here).
  'POST /mcp/{name}/auth': {
    expect: { ...staffOnStudentProject, admin: 400 },
    call: () => ({ path: '/mcp/docs/auth', query: inA() }),
  },
  'DELETE /mcp/{name}/auth': { expect: staffOnStudentProject, call: () => ({ path: '/mcp/docs/auth', query: inA() }) },
  'POST /mcp/{name}/auth/callback': {
    expect: { ...staffOnStudentProject, admin: 400 },
    call: () => ({ path: '/mcp/docs/auth/callback', query: inA(), body: { code: 'x' } }),
  },
  'POST /mcp/{name}/auth/authenticate': {
    expect: { ...staffOnStudentProject, admin: 400 },
    call: () => ({ path: '/mcp/docs/auth/authenticate', query: inA() }),
  },
  'GET /experimental/resource': { expect: studentRead, call: () => ({ path: '/experimental/resource', query: inA() }) },
  // files, search, version control of the student's project
  'GET /file': { expect: studentRead, call: () => ({ path: '/file', query: inA({ path: '.' }) }) },
  'GET /file/content': {
    expect: studentRead,
    call: () => ({ path: '/file/content', query: inA({ path: 'notes.txt' }) }),
  },
  'GET /file/status': { expect: studentRead, call: () => ({ path: '/file/status', query: inA() }) },
  'GET /find': { expect: studentRead, call: () => ({ path: '/find', query: inA({ pattern: 'secret' }) }) },
  'GET /find/file': { expect: studentRead, call: () => ({ path: '/find/file', query: inA({ query: 'notes' }) }) },
  // No language server here: always [], whatever the project (the directory is not looked at).
  'GET /find/symbol': { expect: studentRead, call: () => ({ path: '/find/symbol', query: inA({ query: 'x' }) }) },
  'GET /lsp': { expect: studentRead, call: () => ({ path: '/lsp', query: inA() }) },
  'GET /formatter': { expect: studentRead, call: () => ({ path: '/formatter', query: inA() }) },
  'GET /vcs': { expect: studentRead, call: () => ({ path: '/vcs', query: inA() }) },
  'GET /vcs/status': { expect: studentRead, call: () => ({ path: '/vcs/status', query: inA() }) },
  'GET /vcs/diff': { expect: studentRead, call: () => ({ path: '/vcs/diff', query: inA({ mode: 'git' }) }) },
  // terminals (the WebSocket itself is the upgrade on GET /pty/{ptyID}/connect; a plain GET is a 426 for anyone)
  'GET /pty/shells': { expect: signedIn(), call: () => ({ path: '/pty/shells' }) },
  'GET /pty': { expect: studentRead, call: () => ({ path: '/pty', query: inA() }) },
  'POST /pty': { expect: studentWrite, call: () => ({ path: '/pty', query: inA(), body: { title: 'matrix' } }) },
  'GET /pty/{ptyID}': { expect: ownerOnly, call: () => ({ path: `/pty/${ptyA}` }) },
  'PUT /pty/{ptyID}': {
    expect: ownerOnly,
    call: () => ({ path: `/pty/${ptyA}`, body: { size: { rows: 30, cols: 90 } } }),
  },
  'DELETE /pty/{ptyID}': {
    expect: ownerOnly,
    call: async (_, own) => ({ path: `/pty/${own ? await studentPty() : ptyA}` }),
  },
  'POST /pty/{ptyID}/connect-token': { expect: ownerOnly, call: () => ({ path: `/pty/${ptyA}/connect-token` }) },
  'GET /pty/{ptyID}/connect': { expect: all(426), call: () => ({ path: `/pty/${ptyA}/connect` }) },
  // classes, budgets, usage, audit, JWT
  'GET /admin/classes': {
    expect: { ...anyAdmin(), teacher: 'ok', otherTeacher: 'ok' },
    call: () => ({ path: '/admin/classes' }),
  },
  'POST /admin/classes': {
    expect: anyAdmin(201),
    call: () => ({ path: '/admin/classes', body: { name: `Class ${uid()}` } }),
  },
  'GET /admin/classes/{id}': {
    expect: { ...schoolAdmin, teacher: 'ok', otherTeacher: 404 },
    call: () => ({ path: `/admin/classes/${school.classA}` }),
  },
  'PATCH /admin/classes/{id}': {
    expect: schoolAdmin,
    call: () => ({ path: `/admin/classes/${school.classA}`, body: { name: 'Class A' } }),
  },
  // The class's allow-lists and rules: its teacher and the school's admin (an empty body changes nothing).
  'PUT /admin/classes/{id}/settings': {
    expect: { ...schoolAdmin, teacher: 'ok', otherTeacher: 404 },
    call: () => ({ path: `/admin/classes/${school.classA}/settings`, body: {} }),
  },
  'PATCH /admin/classes/{id}/settings': {
    expect: { ...schoolAdmin, teacher: 'ok', otherTeacher: 404 },
    call: () => ({ path: `/admin/classes/${school.classA}/settings`, body: {} }),
  },
  'DELETE /admin/classes/{id}': {
    expect: schoolAdmin,
    call: async (_, own) => ({ path: `/admin/classes/${own ? await newClass() : spare.class}` }),
  },
  'POST /admin/classes/{id}/members': {
    expect: schoolAdmin,
    call: () => ({
      path: `/admin/classes/${school.classA}/members`,
      body: { userId: school.users.student.id, role: 'student' },
    }),
  },
  'DELETE /admin/classes/{id}/members/{userId}': {
    expect: schoolAdmin,
    call: async (_, own) => ({
      path: `/admin/classes/${school.classA}/members/${own ? await newMember() : spare.member}`,
    }),
  },
  'GET /admin/budgets': { expect: anyAdmin(), call: () => ({ path: '/admin/budgets' }) },
  'PUT /admin/budgets': {
    expect: schoolAdmin,
    call: () => ({
      path: '/admin/budgets',
      body: { scope: `user:${school.users.student.id}`, metric: 'prompts_day', limit: '100000' },
    }),
  },
  'DELETE /admin/budgets/{id}': {
    expect: schoolAdmin,
    call: async (_, own) => ({ path: `/admin/budgets/${own ? await newBudget() : spare.budget}` }),
  },
  'GET /admin/usage': { expect: anyAdmin(), call: () => ({ path: '/admin/usage', query: { groupBy: 'user' } }) },
  'GET /admin/allowances': { expect: anyAdmin(), call: () => ({ path: '/admin/allowances' }) },
  'PUT /admin/allowances': {
    expect: schoolAdmin,
    call: () => ({
      path: '/admin/allowances',
      body: {
        scope: `user:${school.users.otherStudent.id}`,
        unit: 'tokens',
        capacity: '100000000',
        refill: '1',
        per: 'hour',
      },
    }),
  },
  'DELETE /admin/allowances/{id}': {
    expect: schoolAdmin,
    call: async (_, own) => ({ path: `/admin/allowances/${own ? await newAllowance() : spare.allowance}` }),
  },
  // Everyone reads their own allowance (an empty list when none is in force).
  'GET /classroom/allowance': { expect: signedIn(), call: () => ({ path: '/classroom/allowance' }) },
  // Each admin reads and changes their own school's abuse limits (raising one here is harmless to the run).
  'GET /admin/limits': { expect: anyAdmin(), call: () => ({ path: '/admin/limits' }) },
  'PATCH /admin/limits': {
    expect: anyAdmin(),
    call: () => ({ path: '/admin/limits', body: { requestsPerMinute: 1200 } }),
  },
  'GET /admin/audit': { expect: anyAdmin(), call: () => ({ path: '/admin/audit' }) },
  'GET /admin/jwt': { expect: anyAdmin(), call: () => ({ path: '/admin/jwt' }) },
  'PUT /admin/jwt': {
    expect: anyAdmin(),
    call: () => ({
      path: '/admin/jwt',
      body: {
        issuer: `https://lms-${uid()}.example`,
        audience: 'opencode-api',
        secret: randomBytes(24).toString('hex'),
      },
    }),
  },
  'DELETE /admin/jwt': { expect: anyAdmin(), call: () => ({ path: '/admin/jwt' }) },
  // instance-level routes (issue 19): a client's log line, dispose, capabilities, the cross-project session list
  'POST /log': {
    expect: signedIn(),
    call: () => ({ path: '/log', body: { service: 'matrix', level: 'info', message: 'hello' } }),
  },
  'POST /instance/dispose': { expect: studentRead, call: () => ({ path: '/instance/dispose', query: inA() }) },
  'POST /global/dispose': { expect: signedIn(), call: () => ({ path: '/global/dispose' }) },
  'GET /experimental/capabilities': { expect: signedIn(), call: () => ({ path: '/experimental/capabilities' }) },
  'GET /experimental/session': { expect: signedIn(), call: () => ({ path: '/experimental/session' }) },
  // OpenCode's web app: health, the home screen's session list, the project's references (each caller's own)
  'GET /api/health': { expect: all('ok'), call: () => ({ path: '/api/health' }) },
  'GET /api/session': { expect: signedIn(), call: () => ({ path: '/api/session' }) },
  'GET /api/reference': { expect: signedIn(), call: () => ({ path: '/api/reference' }) },
  'POST /experimental/session/{sessionID}/background': {
    expect: studentWrite,
    call: async (_, own) => ({ path: `/experimental/session/${own ? await freshSession() : sessionA}/background` }),
  },
  // /init runs the built-in init command through the prompt path (and its budget), like POST …/command.
  'POST /session/{sessionID}/init': {
    expect: studentWrite,
    call: fresh('/init', { providerID: 'fake', modelID: 'fake-model' }),
  },
  // version control: the student's project "hw" is not a git repository, so an allowed apply or worktree change
  // reaches the domain answer (400 VcsApplyError / WorktreeNotGitError); git init runs in a fresh project of the
  // caller's own, so the shared fixture stays as it is.
  'GET /vcs/diff/raw': { expect: studentRead, call: () => ({ path: '/vcs/diff/raw', query: inA() }) },
  'POST /vcs/apply': {
    expect: { ...studentWrite, student: 400, admin: 400 },
    call: () => ({ path: '/vcs/apply', query: inA(), body: { patch: '' } }),
  },
  'POST /project/git/init': {
    expect: studentWrite,
    call: (_, own) => ({ path: '/project/git/init', query: own ? { directory: `repo-${uid()}` } : inA() }),
  },
  'GET /project/{projectID}/directories': {
    expect: studentRead,
    call: () => ({ path: `/project/${projectA}/directories` }),
  },
  'GET /experimental/worktree': { expect: studentRead, call: () => ({ path: '/experimental/worktree', query: inA() }) },
  'POST /experimental/worktree': {
    expect: { ...studentWrite, student: 400, admin: 400 },
    call: () => ({ path: '/experimental/worktree', query: inA(), body: { name: 'side' } }),
  },
  'DELETE /experimental/worktree': {
    expect: { ...studentWrite, student: 400, admin: 400 },
    call: () => ({ path: '/experimental/worktree', query: inA(), body: { directory: `${worktreeA}/.worktrees/side` } }),
  },
  'POST /experimental/worktree/reset': {
    expect: { ...studentWrite, student: 400, admin: 400 },
    call: () => ({
      path: '/experimental/worktree/reset',
      query: inA(),
      body: { directory: `${worktreeA}/.worktrees/side` },
    }),
  },
  'POST /experimental/project/{projectID}/copy': {
    expect: { ...studentWrite, student: 400, admin: 400 },
    call: () => ({
      path: `/experimental/project/${projectA}/copy`,
      body: { strategy: 'worktree', directory: '/tmp/side' },
    }),
  },
  'DELETE /experimental/project/{projectID}/copy': {
    expect: { ...studentWrite, student: 400, admin: 400 },
    call: () => ({
      path: `/experimental/project/${projectA}/copy`,
      body: { directory: `${worktreeA}/.worktrees/side`, force: true },
    }),
  },
  'POST /experimental/project/{projectID}/copy/refresh': {
    expect: { ...studentWrite, student: 204, admin: 204 },
    call: () => ({ path: `/experimental/project/${projectA}/copy/refresh` }),
  },
  'POST /experimental/project/{projectID}/copy/generate-name': {
    expect: studentRead,
    call: () => ({ path: `/experimental/project/${projectA}/copy/generate-name`, body: { context: 'fix the login' } }),
  },
  // Groups with no meaning on a hosted server: routed, and a typed 400 for every signed-in caller.
  ...Object.fromEntries(
    [
      'POST /sync/start',
      'POST /sync/replay',
      'POST /sync/steal',
      'POST /sync/history',
      'GET /experimental/workspace/adapter',
      'GET /experimental/workspace',
      'POST /experimental/workspace',
      'POST /experimental/workspace/sync-list',
      'GET /experimental/workspace/status',
      'DELETE /experimental/workspace/{id}',
      'POST /experimental/workspace/warp',
      'POST /experimental/control-plane/move-session',
      'POST /provider/{providerID}/oauth/authorize',
      'POST /provider/{providerID}/oauth/callback',
      'POST /global/upgrade',
    ].map((op) => [
      op,
      {
        expect: signedIn(400),
        call: () => ({
          path: op.split(' ')[1].replace('{id}', 'wrk_x').replace('{providerID}', 'openai'),
          body: op.startsWith('GET') ? undefined : {},
        }),
      } satisfies Policy,
    ]),
  ),

  // classroom: assignments of class A, the student's workspace files
  'POST /classroom/classes/{classID}/assignments': {
    expect: classManage,
    call: () => ({ path: `/classroom/classes/${school.classA}/assignments`, body: { title: `A ${uid()}` } }),
  },
  'GET /classroom/classes/{classID}/assignments': {
    expect: studentRead,
    call: () => ({ path: `/classroom/classes/${school.classA}/assignments` }),
  },
  'GET /classroom/assignments/{id}': {
    expect: studentRead,
    call: () => ({ path: `/classroom/assignments/${assignmentA}` }),
  },
  'PATCH /classroom/assignments/{id}': {
    expect: classManage,
    call: () => ({ path: `/classroom/assignments/${assignmentA}`, body: { instructions: 'Print 1.' } }),
  },
  'DELETE /classroom/assignments/{id}': {
    expect: classManage,
    call: async (_, own) => ({ path: `/classroom/assignments/${own ? await newAssignment() : spare.assignment}` }),
  },
  'PUT /classroom/assignments/{id}/starter': {
    expect: classManage,
    call: async (_, own) => ({
      path: `/classroom/assignments/${own ? await newAssignment() : assignmentA}/starter`,
      body: starterZip(),
      headers: { 'content-type': 'application/zip' },
    }),
  },
  'POST /classroom/assignments/{id}/open': {
    expect: { ...studentRead, admin: 403, otherAdmin: 403 },
    call: () => ({ path: `/classroom/assignments/${assignmentA}/open` }),
  },
  'POST /classroom/assignments/{id}/collect': {
    expect: classManage,
    call: () => ({ path: `/classroom/assignments/${assignmentA}/collect` }),
  },
  'GET /classroom/assignments/{id}/collections': {
    expect: classManage,
    call: () => ({ path: `/classroom/assignments/${assignmentA}/collections` }),
  },
  'GET /classroom/assignments/{id}/collections/{collectionID}/download': {
    expect: classManage,
    call: () => ({ path: `/classroom/assignments/${assignmentA}/collections/${collectionA}/download` }),
  },
  'POST /classroom/sessions/{sessionID}/notes': {
    expect: classManage,
    call: () => ({ path: `/classroom/sessions/${sessionA}/notes`, body: { text: 'Try a smaller case first.' } }),
  },
  'GET /classroom/sessions/{sessionID}/notes': {
    expect: studentRead,
    call: () => ({ path: `/classroom/sessions/${sessionA}/notes` }),
  },
  'GET /classroom/classes/{classID}/overview': {
    expect: classManage,
    call: () => ({ path: `/classroom/classes/${school.classA}/overview` }),
  },
  'GET /classroom/classes/{classID}/usage': {
    expect: classManage,
    call: () => ({ path: `/classroom/classes/${school.classA}/usage`, query: { format: 'csv' } }),
  },
  'POST /classroom/sessions/{sessionID}/permissions/{requestID}/reply': {
    expect: classManage,
    call: async (_, own) => {
      const p = own ? await pendingPermission() : spare.permission;
      return { path: `/classroom/sessions/${p.session}/permissions/${p.id}/reply`, body: { reply: 'reject' } };
    },
  },
  'POST /classroom/sessions/{sessionID}/questions/{requestID}/reply': {
    expect: classManage,
    call: (_, own) => onBehalfQuestion(own, 'reply'),
  },
  'POST /classroom/sessions/{sessionID}/questions/{requestID}/reject': {
    expect: classManage,
    call: (_, own) => onBehalfQuestion(own, 'reject'),
  },
  'GET /classroom/workspace/file': {
    expect: studentRead,
    call: () => ({ path: '/classroom/workspace/file', query: inA({ path: 'notes.txt' }) }),
  },
  'PUT /classroom/workspace/file': {
    expect: studentWrite,
    call: () => ({
      path: '/classroom/workspace/file',
      query: inA({ path: `up-${uid()}.txt` }),
      body: Buffer.from('uploaded\n'),
      headers: { 'content-type': 'application/octet-stream' },
    }),
  },
  'GET /classroom/workspace/archive': {
    expect: studentRead,
    call: () => ({ path: '/classroom/workspace/archive', query: inA() }),
  },
};

// ---- running ------------------------------------------------------------------------------------------------
interface Case {
  op: string;
  actor: Actor;
  expected: number;
  got?: number;
  detail?: string;
  ms?: number;
}
const cases: Case[] = [];
let operations: { op: string; ok: number }[] = [];

async function send(
  actor: Actor,
  method: string,
  policy: Policy,
  own: boolean,
): Promise<{ status: number; text: string; url: string }> {
  const call = await policy.call(actor, own);
  const url = `${call.path}${call.query ? `?${new URLSearchParams(call.query)}` : ''}`;
  if (policy.sse) {
    const sse = await SseClient.open(app.url, url, { key: http[actor].key });
    const status = sse.status;
    sse.close();
    return { status, text: '', url };
  }
  const res = await request(app.url, method, url, { key: http[actor].key, body: call.body, headers: call.headers });
  return { status: res.status, text: res.text.slice(0, 300), url };
}

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

beforeAll(async () => {
  const started = Date.now();
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').usage({ input: 10, output: 2 }).stop());
  const config = pricedProviderConfig(llm.openaiBaseUrl, {
    permission: { bash: 'ask' },
    command: { hello: { template: 'say hello' } },
  });
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: config,
    SANDBOX: 'off',
    RETRY_MAX_ATTEMPTS: '0',
    ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}`,
  });
  school = await createSchool(app.url, app.adminKey);
  http = { anonymous: client(app.url), ...school.http, otherAdmin: school.http.otherTenant } as Record<Actor, Client>;
  // This school has chosen to allow share links (the default is off; see the sharing tests).
  expectOk(
    await http.platformAdmin.patch(`/admin/tenants/${school.tenantId}`, { body: { settings: { shareAllowed: true } } }),
    200,
    'enable sharing',
  );

  const project = await createProject(http.student, 'hw');
  worktreeA = project.worktree;
  projectA = project.id;
  await fs.writeFile(path.join(onHost(app, worktreeA), 'notes.txt'), 'secret answers\n');
  const x = await sessionWithExchange();
  sessionA = x.id;
  messageA = x.message;
  partA = expectOk(await http.student.get(`/session/${sessionA}/message/${messageA}`), 200, 'message').parts.find(
    (p: any) => p.type === 'text',
  ).id;
  shareA = expectOk(await http.student.post(`/session/${sessionA}/share`), 200, 'share')
    .share.url.split('/')
    .pop();
  expectOk(
    await http.admin.post('/mcp', {
      query: inA(),
      body: { name: 'docs', config: { type: 'remote', url: 'http://127.0.0.1:9/mcp', enabled: false } },
    }),
    200,
    'mcp',
  );

  ptyA = await studentPty();
  [spare.permission, spare.question, spare.tenant, spare.user, spare.class, spare.member, spare.budget] =
    await Promise.all([
      pendingPermission(),
      pendingQuestion(),
      createTenant(app.url, app.adminKey).then((t) => t.id),
      createUser(app.url, school.users.admin.key, 'student').then((u) => u.id),
      newClass(),
      newMember(),
      newBudget(),
    ]);
  spare.assignment = await newAssignment();
  spare.allowance = await newAllowance();
  assignmentA = await newAssignment();
  expectOk(
    await http.teacher.put(`/classroom/assignments/${assignmentA}/starter`, {
      body: starterZip(),
      headers: { 'content-type': 'application/zip' },
    }),
    200,
    'starter',
  );
  expectOk(await http.student.post(`/classroom/assignments/${assignmentA}/open`), 200, 'open');
  collectionA = expectOk(await http.teacher.post(`/classroom/assignments/${assignmentA}/collect`), 200, 'collect').id;
  spare.key = expectOk(
    await http.admin.post('/admin/keys', { body: { name: 'spare', userId: school.users.student.id } }),
    201,
    'key',
  ).id;

  const doc = expectOk(await request(app.url, 'GET', '/doc'), 200, 'openapi');
  operations = Object.entries(
    doc.paths as Record<string, Record<string, { responses?: Record<string, unknown> }>>,
  ).flatMap(([p, ops]) =>
    Object.entries(ops).map(([m, o]) => ({
      op: `${m.toUpperCase()} ${p}`,
      ok: Number(Object.keys(o.responses ?? {}).find((c) => c.startsWith('2')) ?? 200),
    })),
  );
  for (const { op, ok } of operations) {
    const policy = POLICY[op];
    if (!policy) continue;
    for (const actor of ACTORS) {
      const e = policy.expect[actor];
      cases.push({ op, actor, expected: e === 'ok' ? ok : e });
    }
  }
  const fixturesDone = Date.now();
  await pool(cases, CONCURRENCY, async (c) => {
    const t0 = Date.now();
    try {
      const res = await Promise.race([
        send(c.actor, c.op.split(' ')[0], POLICY[c.op], c.expected >= 200 && c.expected < 300),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer within 60 s')), 60_000).unref()),
      ]);
      c.got = res.status;
      c.detail = `${res.url}: ${res.text}`;
    } catch (err) {
      c.detail = `fixture failed: ${(err as Error).message}`;
    }
    c.ms = Date.now() - t0;
  });
  const slowest = [...cases]
    .sort((a, b) => b.ms! - a.ms!)
    .slice(0, 8)
    .map((c) => `${c.op} as ${c.actor} ${c.ms} ms`);
  console.log(
    `route matrix: ${operations.length} operations × ${ACTORS.length} callers = ${cases.length} requests in ${Date.now() - fixturesDone} ms (boot and fixtures: ${fixturesDone - started} ms); slowest: ${slowest.join('; ')}`,
  );
});

afterAll(async () => {
  // Runs still waiting for an answer would hold the shutdown: answer the shared ones.
  if (spare.permission)
    await http.student.post(`/permission/${spare.permission.id}/reply`, { body: { reply: 'reject' } });
  if (spare.question) await http.student.post(`/question/${spare.question}/reject`);
  await app?.close();
  await llm?.stop();
});

describe('the OpenAPI document and the policy table agree', () => {
  it('every operation has a policy, and every policy an operation', () => {
    const ops = operations.map((o) => o.op);
    expect(ops.filter((op) => !POLICY[op])).toEqual([]);
    expect(Object.keys(POLICY).filter((op) => !ops.includes(op))).toEqual([]);
  });
});

describe('role × route', () => {
  const ops = Object.keys(POLICY);
  it.each(ops.flatMap((op) => ACTORS.map((actor) => [op, actor] as const)))('%s as %s', (op, actor) => {
    const c = cases.find((x) => x.op === op && x.actor === actor);
    if (!c) return; // not in the document: reported by the test above
    if (c.got !== c.expected)
      throw new Error(`${op} as ${actor}: expected ${c.expected}, got ${c.got ?? 'no answer'} — ${c.detail}`);
  });
});

describe('the legacy permission route checks the session it names', () => {
  it("answering another session's request through one's own session is 404, and the request stays pending", async () => {
    const res = await http.student.post(`/session/${sessionA}/permissions/${spare.permission.id}`, {
      body: { response: 'once' },
    });
    expect(res.status).toBe(404);
    const pending = expectOk(await http.student.get('/permission'), 200, 'permissions') as { id: string }[];
    expect(pending.map((p) => p.id)).toContain(spare.permission.id);
  });
});

describe('admin hierarchy: a school admin never acts on a platform administrator', () => {
  // The attack of issue 21: an admin in the platform administrators' own tenant mints a key for the platform
  // administrator and uses it on platform-only routes. Every admin route about a user × acting admin × target.
  let platformUserId: string;
  let localAdmin: Client; // a school-level admin inside the platform tenant
  let localAdminId: string;

  beforeAll(async () => {
    platformUserId = (expectOk(await http.platformAdmin.get('/admin/keys'), 200, 'keys') as { userId: string }[])[0]
      .userId;
    const u = await createUser(app.url, app.adminKey, 'admin');
    localAdmin = u.http;
    localAdminId = u.id;
  });

  const key = async (as: Client, userId: string) => as.post('/admin/keys', { body: { name: `k-${uid()}`, userId } });

  it('the bootstrap puts platform administrators in a tenant of their own', async () => {
    const current = expectOk(await http.platformAdmin.get('/admin/tenants/current'), 200, 'tenant');
    expect(current.slug).toBe('platform');
    expect(current.id).not.toBe(school.tenantId);
  });

  it.each([
    ['mint a key for', (as: Client, id: string) => key(as, id)],
    ['rename', (as: Client, id: string) => as.patch(`/admin/users/${id}`, { body: { name: 'Renamed' } })],
    ['demote', (as: Client, id: string) => as.patch(`/admin/users/${id}`, { body: { role: 'student' } })],
    ['delete', (as: Client, id: string) => as.delete(`/admin/users/${id}`)],
  ] as const)('a school admin cannot %s a platform administrator (403)', async (_what, act) => {
    const res = await act(localAdmin, platformUserId);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'platform_admin' } });
  });

  it("a school admin cannot revoke a platform administrator's key", async () => {
    const spare = expectOk(await key(http.platformAdmin, platformUserId), 201, 'spare key');
    expect((await localAdmin.delete(`/admin/keys/${spare.id}`)).status).toBe(403);
    expectOk(await client(app.url, spare.key).get('/admin/tenants'), 200, 'the spare key still works');
  });

  it('a platform administrator manages the local admin; the local admin manages other local users', async () => {
    const peer = await createUser(app.url, app.adminKey, 'teacher');
    expectOk(await key(localAdmin, peer.id), 201, 'key for a teacher');
    expectOk(await localAdmin.patch(`/admin/users/${peer.id}`, { body: { name: 'Peer' } }), 200, 'rename a teacher');
    expectOk(await key(http.platformAdmin, localAdminId), 201, 'platform admin mints for the local admin');
    expectOk(
      await http.platformAdmin.patch(`/admin/users/${localAdminId}`, { body: { name: 'Local admin' } }),
      200,
      'platform admin renames the local admin',
    );
  });

  it('nothing the local admin holds opens platform-only routes', async () => {
    for (const route of ['/admin/tenants', `/admin/tenants/${school.tenantId}`])
      expect((await localAdmin.get(route)).status).toBe(403);
  });
});
