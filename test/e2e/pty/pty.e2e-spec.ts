import { createOpencodeClient, type OpencodeClient } from '@opencode-ai/sdk/v2';
import { identityForTenant } from '../../../src/modules/sandbox/workspace-access';
import { createTenant, createUser, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { onHost } from '../../utils/host-path';
import { request } from '../../utils/http';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { TerminalClient } from './pty-client';
import { createProject } from '../../utils/project';

// Terminals (/pty) as OpenCode's web app drives them — its own SDK for the routes, a real WebSocket for the
// terminal — against the real bubblewrap sandbox: type, read, resize, reconnect with and without a cursor, exit;
// another user's terminal is a 404; tickets are single-use; the escape probes typed into the terminal are contained.

let app: TestApp;
let school: TestTenant;
let other: TestTenant;
let classmate: TestUser;
const opened: TerminalClient[] = [];
const SECRET_ENV = 'BOOTSTRAP_API_KEY';

function sdk(user: TestUser): OpencodeClient {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${user.key}` } });
}

async function connect(user: TestUser, ptyID: string, query: Record<string, string> = {}): Promise<TerminalClient> {
  const token = await sdk(user).pty.connectToken({ ptyID });
  expect(token.response.status).toBe(200);
  expect(token.data).toEqual({ ticket: expect.any(String), expires_in: 60 });
  const terminal = await TerminalClient.connect(app.url, ptyID, { ticket: token.data!.ticket, ...query });
  opened.push(terminal);
  return terminal;
}

async function createPty(user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const res = await sdk(user).pty.create(body);
  expect(res.response.status).toBe(200);
  return res.data!.id;
}

beforeAll(async () => {
  app = await startTestApp({ SANDBOX: 'required', PTY_PER_USER: '3' });
  school = await createTenant(app.url, app.adminKey);
  other = await createTenant(app.url, app.adminKey);
  classmate = await createUser(app.url, school.admin.key, 'student');
}, 60_000);

afterAll(async () => {
  for (const terminal of opened) terminal.close();
  await app?.close();
});

it('lists the shells the sandbox can run', async () => {
  const res = await sdk(school.student).pty.shells();
  expect(res.response.status).toBe(200);
  expect(res.data).toEqual(expect.arrayContaining([{ path: '/bin/bash', name: 'bash', acceptable: true }]));
});

it('type a command and read its output, resize, reconnect (replay), exit — with the pty.* events', async () => {
  const events = await SseClient.open(app.url, '/event', { key: school.student.key });
  const created = await sdk(school.student).pty.create({ title: 'homework' });
  expect(created.data).toMatchObject({ id: expect.stringMatching(/^pty_/), title: 'homework', status: 'running' });
  const id = created.data!.id;
  expect(created.data!.cwd).toBe((await school.student.http.get('/path')).body.worktree);
  await events.waitFor((f) => f.data?.type === 'pty.created' && f.data.properties.info.id === id);

  const term = await connect(school.student, id);
  term.type('echo hello-$((6*7)); id -u\r');
  await term.expect(/hello-42\r?\n(\d+)/);
  // The school's own uid, never root or the server's.
  expect(term.text).toContain(`\n${identityForTenant(school.id).uid}`);

  const resized = await sdk(school.student).pty.update({ ptyID: id, size: { rows: 33, cols: 101 }, title: 'hw' });
  expect(resized.data).toMatchObject({ id, title: 'hw' });
  await events.waitFor((f) => f.data?.type === 'pty.updated' && f.data.properties.info.title === 'hw');
  term.type('stty size\r');
  await term.expect(/33 101/);
  term.type('echo mark-$((1+1))\r');
  await term.expect(/mark-2/);
  term.close();
  await term.waitClosed();

  // Reconnect from the start: everything kept is replayed, then the cursor frame.
  const again = await connect(school.student, id);
  await again.expect(/hello-42[\s\S]*33 101[\s\S]*mark-2/);
  const cursor = await again.cursor();
  again.type('echo after-$((2+3))\r');
  await again.expect(/after-5/);
  again.close();
  // Reconnect from that cursor: only what came after it.
  const resumed = await connect(school.student, id, { cursor: String(cursor) });
  await resumed.expect(/after-5/);
  await resumed.cursor();
  expect(resumed.text).not.toContain('hello-42');
  // -1: live output only.
  const tail = await connect(school.student, id, { cursor: '-1' });
  await tail.cursor();
  expect(tail.text).toBe('');

  resumed.type('exit 3\r');
  await resumed.waitClosed();
  await tail.waitClosed();
  await events.waitFor((f) => f.data?.type === 'pty.exited' && f.data.properties.id === id);
  const exited = events.events.find((e) => e?.type === 'pty.exited' && e.properties.id === id);
  expect(exited.properties.exitCode).toBe(3);
  await events.waitFor((f) => f.data?.type === 'pty.deleted' && f.data.properties.id === id);
  expect((await sdk(school.student).pty.get({ ptyID: id })).response.status).toBe(404);
  events.close();
});

it("another user's terminal is a 404 — classmates, the school's admin, another school", async () => {
  const id = await createPty(school.student);
  for (const user of [classmate, school.teacher, school.admin, other.admin]) {
    const as = sdk(user);
    for (const res of [
      await as.pty.get({ ptyID: id }),
      await as.pty.update({ ptyID: id, title: 'mine now' }),
      await as.pty.connectToken({ ptyID: id }),
      await as.pty.remove({ ptyID: id }),
    ]) {
      expect(res.response.status).toBe(404);
      expect(res.error).toMatchObject({ name: 'PtyNotFoundError' });
    }
    expect((await as.pty.list()).data!.map((p) => p.id)).not.toContain(id);
  }
  expect((await sdk(school.student).pty.get({ ptyID: id })).data).toMatchObject({ id, status: 'running' });
  expect((await sdk(school.student).pty.remove({ ptyID: id })).data).toBe(true);
});

it('tickets are single-use, bound to their terminal, and the only way in', async () => {
  const id = await createPty(school.student);
  const second = await createPty(school.student);
  const token = (await sdk(school.student).pty.connectToken({ ptyID: id })).data!;
  await expect(TerminalClient.connect(app.url, second, { ticket: token.ticket })).rejects.toThrow(/403/);
  // Spent by the refused attempt above.
  await expect(TerminalClient.connect(app.url, id, { ticket: token.ticket })).rejects.toThrow(/403/);
  await expect(TerminalClient.connect(app.url, id, {})).rejects.toThrow(/403/);
  // A key in the URL is not a ticket.
  await expect(TerminalClient.connect(app.url, id, { auth_token: school.student.key })).rejects.toThrow(/403/);
  const plain = await request(app.url, 'GET', `/pty/${id}/connect`, { key: school.student.key });
  expect(plain.status).toBe(426);
  expect(plain.body).toMatchObject({ name: 'UpgradeRequired' });
  for (const ptyID of [id, second]) await sdk(school.student).pty.remove({ ptyID });
});

it('the escape probes typed into the terminal are contained', async () => {
  const mine = (await school.student.http.get('/path')).body.worktree as string;
  // The probe names the other student's folder as it is on the host.
  const theirs = onHost(app, (await createProject(other.student.http)).worktree);
  const id = await createPty(school.student);
  const term = await connect(school.student, id);
  term.type(
    `cat /proc/1/environ | tr '\\0' '\\n' | grep -c ${SECRET_ENV}; env | grep -c ${SECRET_ENV}; ` +
      `ls ${theirs} ${app.dataDir} 2>&1 | head -3; echo x > ${theirs}/planted.txt; ` +
      `(echo > /dev/tcp/127.0.0.1/6379) 2>&1 && echo REDIS-OPEN-$((7*3)); (echo > /dev/tcp/127.0.0.1/5432) 2>&1 && echo PG-OPEN-$((7*3)); ` +
      `ls /proc | grep -cE '^[0-9]+$'; echo probes-$((40+2))\r`,
  );
  const text = await term.expect(/probes-42/);
  expect(text).not.toContain(app.adminKey);
  // The terminal echoes what was typed: only the computed markers count.
  expect(text).not.toMatch(/REDIS-OPEN-21|PG-OPEN-21/);
  expect(text).toMatch(/Connection refused|Network is unreachable/);
  expect(text).toMatch(/No such file or directory/);
  expect((await other.student.http.get('/file/content', { query: { path: 'planted.txt' } })).status).not.toBe(200);
  expect(mine).not.toBe(theirs);
  term.type('exit\r');
  await term.waitClosed();
});

it('a school that denies bash to students denies them terminals; a cap per user; bad input is a 400', async () => {
  const denying = await createTenant(app.url, app.adminKey);
  const set = await request(app.url, 'PATCH', '/global/config', {
    key: denying.admin.key,
    body: { role_permission: { student: { bash: { '*': 'allow', 'curl *': 'deny' } } } },
  });
  expect(set.status).toBe(200);
  const refused = await sdk(denying.student).pty.create({});
  expect(refused.response.status).toBe(403);
  expect(refused.error).toMatchObject({ name: 'ForbiddenError', data: { code: 'permission_denied' } });
  expect((await sdk(denying.student).pty.list()).data).toEqual([]);
  // The role rule is the students' only: the school's admin still gets one.
  const adminPty = await createPty(denying.admin);
  await sdk(denying.admin).pty.remove({ ptyID: adminPty });

  const ids = [await createPty(classmate), await createPty(classmate), await createPty(classmate)];
  const fourth = await sdk(classmate).pty.create({});
  expect(fourth.response.status).toBe(429);
  for (const ptyID of ids) await sdk(classmate).pty.remove({ ptyID });

  for (const body of [
    { env: { 'BAD NAME': 'x' } },
    { cwd: '../../..' },
    { title: 'x'.repeat(500) },
    { command: 'A=B' },
  ]) {
    const res = await request(app.url, 'POST', '/pty', { key: classmate.key, body });
    expect([res.status, res.body.name]).toEqual([400, 'BadRequest']);
  }
  expect((await sdk(classmate).pty.list()).data).toEqual([]);
});
