import { createTenant, createUser, type TestUser } from '../../factories/tenant.factory';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { buildZip, fetchBytes, readTarGzEntries, readZipEntries } from '../../utils/archive-builder';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { createClass, expectOk, pricedProviderConfig, textPrompt } from '../school/school.fixture';

// The classroom loop, played once from end to end the way a front end would, through HTTP and SSE against real
// Postgres and Redis and the fake LLM: platform admin → school → teacher and a class of two students → an assignment
// with a zip → each student opens it and asks the tutor → one hits the allowance and sees when it refills → the
// teacher's class view shows both, a note reaches the next model request, the teacher answers a pending question →
// the collection zip has a folder per student → one student's export → their erasure with its report → the
// retention dry run.

jest.setTimeout(180_000);

let app: TestApp;
let llm: FakeLlm;
const streams: SseClient[] = [];

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  // Titles stay tiny so only the answers draw on the allowance.
  llm.setDefaultReply((r) =>
    isTitleRequest(r)
      ? reply().text('FizzBuzz help').usage({ input: 1, output: 1 }).stop()
      : reply().text('What should fizz(3) return?').usage({ input: 30, output: 10 }).stop(),
  );
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
});

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
});

const tagged = (tag: string) => (r: { rawBody: string }) => r.rawBody.includes(tag);
const chats = () => llm.requests.filter((r) => !isTitleRequest(r));

interface Seat {
  user: TestUser;
  directory: string;
  session: string;
  stream: SseClient;
}

it('plays the whole classroom loop', async () => {
  // Platform admin → school (with its admin, a teacher and a first student) → a second student and the class.
  const school = await createTenant(app.url, app.adminKey);
  const admin = school.admin.http;
  const teacher = school.teacher;
  const ana = school.student;
  const ben = await createUser(app.url, school.admin.key, 'student', 'Ben');
  const classId = await createClass(admin, 'CS 101', [
    { userId: teacher.id, role: 'teacher' },
    { userId: ana.id, role: 'student' },
    { userId: ben.id, role: 'student' },
  ]);
  // Each student gets a refilling allowance: 3000 tokens, one token back per second.
  expectOk(
    await admin.put('/admin/allowances', {
      body: { scope: 'role:student', unit: 'tokens', capacity: '3000', refill: '3600', per: 'hour' },
    }),
    200,
    'allowance',
  );

  // The teacher hands out an assignment with starter files; students stay on the tutor.
  const assignment = expectOk(
    await teacher.http.post(`/classroom/classes/${classId}/assignments`, {
      body: { title: 'FizzBuzz', instructions: 'Make fizz(n) work.', policy: { agents: ['tutor'] } },
    }),
    200,
    'assignment',
  ).id as string;
  expectOk(
    await teacher.http.put(`/classroom/assignments/${assignment}/starter`, {
      body: buildZip([{ name: 'main.py', data: 'def fizz(n):\n    pass\n' }]),
      headers: { 'content-type': 'application/zip' },
    }),
    200,
    'starter',
  );

  // Each student opens their own copy, watches their stream and asks the tutor.
  const seats: Seat[] = [];
  for (const user of [ana, ben]) {
    const opened = expectOk(await user.http.post(`/classroom/assignments/${assignment}/open`), 200, 'open');
    expect(opened).toMatchObject({ seeded: true, startCommit: expect.any(String) });
    const stream = await SseClient.open(app.url, '/event', { key: user.key });
    streams.push(stream);
    const session = expectOk(
      await user.http.post('/session', { query: { directory: opened.directory }, body: { title: 'FizzBuzz' } }),
      200,
      'session',
    ).id as string;
    seats.push({ user, directory: opened.directory, session, stream });
  }
  const [a, b] = seats;
  // Ana's first answer is long: more than her bucket held.
  llm.enqueueWhen(tagged('ANA-1'), reply().text('A long explanation.').usage({ input: 3200, output: 100 }).stop());
  for (const [seat, text] of [
    [a, 'ANA-1 how do I start?'],
    [b, 'BEN-1 how do I start?'],
  ] as const) {
    const answer = expectOk(
      await seat.user.http.post(`/session/${seat.session}/message`, {
        query: { directory: seat.directory },
        body: textPrompt(text),
      }),
      200,
      'tutor answers',
    );
    expect(answer.info).toMatchObject({ role: 'assistant', agent: 'tutor' });
  }

  // Ana hit the allowance: her stream said so after the turn, the next prompt says when to retry.
  const update = await a.stream.waitFor((f) => f.data?.type === 'budget.updated');
  expect(Number(update.data.properties.allowances[0].remaining)).toBeLessThan(0);
  const refused = await ana.http.post(`/session/${a.session}/message`, {
    query: { directory: a.directory },
    body: textPrompt('ANA-2 and now?'),
  });
  expect(refused.status).toBe(429);
  expect(refused.body.data).toMatchObject({ code: 'allowance_tokens', retryAfter: expect.any(Number) });
  expect(refused.headers.get('retry-after')).toBe(String(refused.body.data.retryAfter));
  const mine = expectOk(await ana.http.get('/classroom/allowance'), 200, 'allowance').allowances[0];
  expect(mine.fullAt).toBeGreaterThan(Date.now());
  expect(chats().some((r) => r.rawBody.includes('ANA-2'))).toBe(false);

  // The teacher's class view shows both students and their sessions.
  const overview = expectOk(await teacher.http.get(`/classroom/classes/${classId}/overview`), 200, 'overview');
  expect(overview.students.map((s: { userID: string }) => s.userID).sort()).toEqual([ana.id, ben.id].sort());
  for (const seat of seats) {
    const row = overview.students.find((s: { userID: string }) => s.userID === seat.user.id);
    expect(row.sessions).toEqual([expect.objectContaining({ id: seat.session, status: 'idle' })]);
    expect(row.usageToday.steps).toBeGreaterThan(0);
  }

  // A note to Ben: on his stream at once, in the next model request.
  const note = 'NOTE-4c1: ask what n % 3 means before any code.';
  expectOk(await teacher.http.post(`/classroom/sessions/${b.session}/notes`, { body: { text: note } }), 200, 'note');
  await b.stream.waitFor((f) => f.data?.type === 'classroom.note');
  const before = chats().length;
  expectOk(
    await ben.http.post(`/session/${b.session}/message`, {
      query: { directory: b.directory },
      body: textPrompt('BEN-2 ok'),
    }),
    200,
    'after the note',
  );
  expect(
    chats()
      .slice(before)
      .some((r) => r.rawBody.includes('NOTE-4c1')),
  ).toBe(true);

  // The tutor asks Ben a question; the teacher sees him waiting and answers for him.
  const questions = [{ header: 'Pick', question: 'Which case first?', options: [{ label: 'n=3', description: '' }] }];
  llm.enqueueWhen(tagged('BEN-3'), reply().tool('question', { questions }).stop());
  expectOk(
    await ben.http.post(`/session/${b.session}/prompt_async`, {
      query: { directory: b.directory },
      body: textPrompt('BEN-3 stuck'),
    }),
    204,
    'ask',
  );
  const asked = await b.stream.waitFor((f) => f.data?.type === 'question.asked');
  await waitUntil('Ben waiting in the class view', async () => {
    const v = expectOk(await teacher.http.get(`/classroom/classes/${classId}/overview`), 200, 'overview');
    return v.students.find((s: { userID: string }) => s.userID === ben.id).sessions[0].status === 'waiting';
  });
  expectOk(
    await teacher.http.post(`/classroom/sessions/${b.session}/questions/${asked.data.properties.id}/reply`, {
      body: { answers: [['n=3']] },
    }),
    200,
    'teacher answers',
  );
  await b.stream.waitFor((f) => f.data?.type === 'question.replied');

  // Collection: one zip, a folder per student.
  const collection = expectOk(await teacher.http.post(`/classroom/assignments/${assignment}/collect`), 200, 'collect');
  const zip = await fetchBytes(
    `${app.url}/classroom/assignments/${assignment}/collections/${collection.id}/download`,
    teacher.key,
  );
  expect(zip.status).toBe(200);
  const files = [...(await readZipEntries(zip.bytes)).keys()];
  // Folders are `<name>_<userID>/` (the name made safe for a path).
  for (const user of [ana, ben]) expect(files.filter((f) => f.endsWith(`_${user.id}/main.py`))).toHaveLength(1);

  // The teacher reads per-student usage of the class.
  const usage = expectOk(await teacher.http.get(`/classroom/classes/${classId}/usage`), 200, 'usage');
  expect(usage.rows.map((r: { key: string }) => r.key).sort()).toEqual([ana.id, ben.id].sort());

  // Ana's data on request: one export, then erasure with its report.
  const exported = await fetchBytes(`${app.url}/admin/users/${ana.id}/export?format=tar.gz`, school.admin.key);
  expect(exported.status).toBe(200);
  const entries = await readTarGzEntries(exported.bytes);
  const json = JSON.parse(entries.get('export.json')!);
  expect(json.sessions.map((s: { info: { id: string } }) => s.info.id)).toEqual([a.session]);
  expect(json.usage.length).toBeGreaterThan(0);
  expect([...entries.keys()].some((k) => k.startsWith('workspaces/') && k.endsWith('/main.py'))).toBe(true);

  const report = expectOk(await admin.delete(`/admin/users/${ana.id}/data`), 200, 'erase');
  expect(report).toMatchObject({ userID: ana.id, complete: true, removed: { sessions: 1, collectionFolders: 1 } });
  expect(report.removed.workspaceDirs).toBeGreaterThan(0);
  expect(report.removed.replayEvents).toBeGreaterThan(0);
  expect((await teacher.http.get(`/session/${a.session}`)).status).toBe(404);
  const after = expectOk(await teacher.http.get(`/classroom/classes/${classId}/overview`), 200, 'overview');
  expect(after.students.map((s: { userID: string }) => s.userID)).toEqual([ben.id]);

  // Retention: the school keeps a year; the dry run removes nothing and says what a run would.
  expectOk(await admin.patch('/admin/tenants/current', { body: { settings: { retentionDays: 365 } } }), 200, 'keep');
  const dry = expectOk(await admin.get('/admin/retention'), 200, 'dry run');
  expect(dry).toMatchObject({ retentionDays: 365, dryRun: true, sessions: 0, projects: [], usageRecords: 0 });
  expect((await ben.http.get(`/session/${b.session}`)).status).toBe(200);
});
