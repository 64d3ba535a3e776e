import { FakeLlm, reply } from '../../fakes/llm';
import { waitUntil } from '../../utils/wait-until';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import {
  createSchool,
  expectOk,
  isTitleRequest,
  pricedProviderConfig,
  textPrompt,
  type School,
} from '../school/school.fixture';

// A teacher's note from every side: the class's teacher leaves it, the student sees it on their stream at once,
// the next model request carries it marked as the teacher's (once per turn, not again on the turn after); the
// student, another class's teacher and another school's admin cannot leave one.

jest.setTimeout(120_000);

let app: TestApp;
let llm: FakeLlm;
let school: School;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Think about the remainder.').usage({ input: 10, output: 5 }).stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl, { permission: { bash: 'ask' } }),
    SANDBOX: 'off',
  });
  school = await createSchool(app.url, app.adminKey);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

const chats = () => llm.requests.filter((r) => !isTitleRequest(r));

it('the note reaches the student now and the model on the next turn, marked as the teacher’s', async () => {
  const session = expectOk(await school.http.student.post('/session', { body: {} }), 200, 'session');
  const notes = `/classroom/sessions/${session.id}/notes`;
  const text = 'NOTE-7f3: do not give the full solution; ask what n % 3 means.';

  expect((await school.http.student.post(notes, { body: { text } })).status).toBe(403);
  expect((await school.http.otherTeacher.post(notes, { body: { text } })).status).toBe(404);
  expect((await school.http.otherTenant.post(notes, { body: { text } })).status).toBe(404);
  expect((await school.http.teacher.post(notes, { body: { text: '' } })).status).toBe(400);
  expect((await school.http.teacher.post('/classroom/sessions/ses_nope/notes', { body: { text } })).status).toBe(404);

  const stream = await SseClient.open(app.url, '/event', { key: school.users.student.key });
  const note = expectOk(await school.http.teacher.post(notes, { body: { text } }), 200, 'note');
  expect(note).toMatchObject({ sessionID: session.id, authorID: school.users.teacher.id, text, messageID: null });
  const seen = await stream.waitFor((f) => f.data?.type === 'classroom.note');
  expect(seen.data.properties).toMatchObject({ sessionID: session.id, note: { id: note.id, text } });
  stream.close();

  const before = chats().length;
  expectOk(
    await school.http.student.post(`/session/${session.id}/message`, { body: textPrompt('help') }),
    200,
    'prompt',
  );
  const carried = chats().slice(before);
  expect(carried.length).toBeGreaterThan(0);
  for (const r of carried) {
    expect(r.rawBody).toContain('NOTE-7f3');
    expect(r.rawBody).toContain("The student's teacher");
  }
  const listed = expectOk(await school.http.student.get(notes), 200, 'notes');
  expect(listed).toEqual([expect.objectContaining({ id: note.id, messageID: expect.stringMatching(/^msg_/) })]);
  expect((await school.http.otherStudent.get(notes)).status).toBe(404);

  const next = chats().length;
  expectOk(
    await school.http.student.post(`/session/${session.id}/message`, { body: textPrompt('thanks') }),
    200,
    'again',
  );
  expect(
    chats()
      .slice(next)
      .some((r) => r.rawBody.includes('NOTE-7f3')),
  ).toBe(false);
});

const tagged = (tag: string) => (r: { rawBody: string }) => r.rawBody.includes(tag);

async function pending(kind: 'permission' | 'question', session: string): Promise<string> {
  return (await waitUntil(`a pending ${kind}`, async () =>
    (expectOk(await school.http.student.get(`/${kind}`), 200, kind) as { id: string; sessionID: string }[]).find(
      (p) => p.sessionID === session,
    ),
  ))!.id;
}

it('the class view shows who waits; the teacher answers the student’s asks, audited; others cannot', async () => {
  const session = expectOk(await school.http.student.post('/session', { body: { title: 'stuck' } }), 200, 'session').id;
  llm.enqueueWhen(tagged('run-it'), reply().tool('bash', { command: 'echo hi', description: 'echo' }).stop());
  expectOk(
    await school.http.student.post(`/session/${session}/prompt_async`, { body: textPrompt('run-it') }),
    204,
    'prompt',
  );
  const permission = await pending('permission', session);

  const overview = `/classroom/classes/${school.classA}/overview`;
  const view = expectOk(await school.http.teacher.get(overview), 200, 'overview');
  const me = view.students.find((s: { userID: string }) => s.userID === school.users.student.id);
  expect(me.sessions.find((x: { id: string }) => x.id === session)).toMatchObject({
    status: 'waiting',
    title: 'stuck',
  });
  expect(me.usageToday.steps).toBeGreaterThan(0);
  expect(me.lastActivity).toEqual(expect.any(Number));
  expect(view.students.map((s: { userID: string }) => s.userID)).not.toContain(school.users.otherStudent.id);
  expect((await school.http.otherTeacher.get(overview)).status).toBe(404);
  expect((await school.http.student.get(overview)).status).toBe(403);
  expect((await school.http.otherTenant.get(overview)).status).toBe(404);

  const path = `/classroom/sessions/${session}/permissions/${permission}/reply`;
  expect((await school.http.otherTeacher.post(path, { body: { reply: 'once' } })).status).toBe(404);
  expect((await school.http.student.post(path, { body: { reply: 'once' } })).status).toBe(403);
  expect((await school.http.teacher.post(path, { body: { reply: 'always' } })).status).toBe(400);
  // The ask must belong to the session named: another session of the same student does not reach it.
  const other = expectOk(await school.http.student.post('/session', { body: {} }), 200, 'other').id;
  const wrong = await school.http.teacher.post(`/classroom/sessions/${other}/permissions/${permission}/reply`, {
    body: { reply: 'once' },
  });
  expect(wrong.status).toBe(404);
  expect(expectOk(await school.http.teacher.post(path, { body: { reply: 'once' } }), 200, 'teacher answers')).toBe(
    true,
  );
  await waitUntil(
    'the session to be idle again',
    async () => expectOk(await school.http.teacher.get(overview), 200, 'overview'),
    (v: any) =>
      v.students
        .find((s: { userID: string }) => s.userID === school.users.student.id)
        .sessions.find((x: { id: string }) => x.id === session)?.status === 'idle',
  );

  llm.enqueueWhen(
    tagged('ask-me'),
    reply()
      .tool('question', {
        questions: [{ header: 'Pick', question: 'Which?', options: [{ label: 'A', description: 'a' }] }],
      })
      .stop(),
  );
  expectOk(
    await school.http.student.post(`/session/${session}/prompt_async`, { body: textPrompt('ask-me') }),
    204,
    'ask',
  );
  const question = await pending('question', session);
  const qpath = `/classroom/sessions/${session}/questions/${question}/reply`;
  expect((await school.http.otherTeacher.post(qpath, { body: { answers: [['A']] } })).status).toBe(404);
  expect((await school.http.teacher.post(qpath, { body: { answers: 'A' } })).status).toBe(400);
  expect(expectOk(await school.http.teacher.post(qpath, { body: { answers: [['A']] } }), 200, 'answer')).toBe(true);

  const audit = expectOk(await school.http.admin.get('/admin/audit', { query: { limit: '200' } }), 200, 'audit');
  const actions = audit
    .filter((e: { actorId: string }) => e.actorId === school.users.teacher.id)
    .map((e: { action: string }) => e.action);
  expect(actions).toEqual(expect.arrayContaining(['teacher.permission.reply', 'teacher.question.reply']));
});
