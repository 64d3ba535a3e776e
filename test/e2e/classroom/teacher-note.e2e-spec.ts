import { FakeLlm, reply } from '../../fakes/llm';
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
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: pricedProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
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
