import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat, sdk, sdk2, toolResults, until, untilIdle } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// Boots a whole app on a shared, busy machine.
jest.setTimeout(120_000);

// The question tool through the loop: the model asks, the user answers (or dismisses) through the SDK.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let other: TestTenant;
const streams: SseClient[] = [];

const QUESTIONS = [
  {
    question: 'Which language should the exercise use?',
    header: 'Language',
    options: [
      { label: 'TypeScript', description: 'Typed JavaScript' },
      { label: 'Python', description: 'Simple syntax' },
    ],
  },
  {
    question: 'Which topics?',
    header: 'Topics',
    multiple: true,
    options: [
      { label: 'Loops', description: 'for/while' },
      { label: 'Recursion', description: 'functions calling themselves' },
    ],
  },
];

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    RETRY_MAX_ATTEMPTS: '0',
  });
  school = await createTenant(app.url, app.adminKey);
  other = await createTenant(app.url, app.adminKey);
}, 180_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
}, 120_000);

async function openEvents(key: string, sessionId: string) {
  const sse = await SseClient.open(app.url, `/event?sessionID=${sessionId}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  streams.push(sse);
  return sse;
}

describe('questions through @opencode-ai/sdk', () => {
  it('the answer given through the SDK reaches the model as the tool result', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'ask me' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, reply().tool('question', { questions: QUESTIONS }).stop());
    llm.enqueueWhen(isChat, reply().text('We will do TypeScript loops.').stop());
    const before = chatRequests(llm).length;
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'set me an exercise' }] },
    });

    const asked = (await sse.waitForType('question.asked', 10_000)).data.properties;
    expect(asked.id).toMatch(/^que_/);
    expect(asked.sessionID).toBe(session.id);
    expect(asked.questions).toHaveLength(2);
    expect(asked.questions[0]).toMatchObject({ header: 'Language', custom: true });
    expect(asked.tool.callID).toBeTruthy();
    expect(asked.tool.messageID).toMatch(/^msg_/);

    // Listed for the student and the tenant admin, invisible to another tenant, unanswerable by it.
    const listed = await sdk2(app.url, key).question.list();
    expect(listed.data!.map((q) => q.id)).toContain(asked.id);
    expect((await sdk2(app.url, school.admin.key).question.list()).data!.map((q) => q.id)).toContain(asked.id);
    expect((await sdk2(app.url, other.admin.key).question.list()).data).toEqual([]);
    const foreign = await sdk2(app.url, other.admin.key).question.reply({ requestID: asked.id, answers: [['Python']] });
    expect(foreign.response.status).toBe(404);

    const replied = await sdk2(app.url, key).question.reply({
      requestID: asked.id,
      answers: [['TypeScript'], ['Loops']],
    });
    expect(replied.response.status).toBe(200);
    expect(replied.data).toBe(true);
    const done = (await pending).data!;
    expect(done.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'We will do TypeScript loops.' });

    const event = (await sse.waitForType('question.replied', 5000)).data.properties;
    expect(event).toEqual({ sessionID: session.id, requestID: asked.id, answers: [['TypeScript'], ['Loops']] });
    const second = chatRequests(llm)[before + 1];
    const results = toolResults(second.body).join('\n');
    expect(results).toContain('"Which language should the exercise use?" = "TypeScript"');
    expect(results).toContain('"Which topics?" = "Loops"');
    const messages = (await sdk(app.url, key).session.messages({ path: { id: session.id } })).data!;
    const tool = messages.flatMap((m) => m.parts).find((p) => p.type === 'tool') as any;
    expect(tool.state).toMatchObject({ status: 'completed', metadata: { answers: [['TypeScript'], ['Loops']] } });
    // Answered questions are no longer pending; answering twice is a 404.
    expect((await sdk2(app.url, key).question.list()).data).toEqual([]);
    expect(
      (await sdk2(app.url, key).question.reply({ requestID: asked.id, answers: [['Python']] })).response.status,
    ).toBe(404);
  });

  it('a dismissed question stops the loop with the error on the tool part', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'dismiss' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('question', { questions: QUESTIONS.slice(0, 1) })
        .stop(),
    );
    const before = chatRequests(llm).length;
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const asked = (await sse.waitForType('question.asked', 10_000)).data.properties;
    const rejected = await sdk2(app.url, key).question.reject({ requestID: asked.id });
    expect(rejected.data).toBe(true);
    await pending;
    expect((await sse.waitForType('question.rejected', 5000)).data.properties).toEqual({
      sessionID: session.id,
      requestID: asked.id,
    });
    const messages = (await sdk(app.url, key).session.messages({ path: { id: session.id } })).data!;
    const tool = messages.flatMap((m) => m.parts).find((p) => p.type === 'tool') as any;
    expect(tool.state.status).toBe('error');
    expect(tool.state.error).toContain('dismissed this question');
    // No further step: once the run is over, the model was not called again after the rejection.
    await untilIdle(app.url, key, session.id);
    expect(chatRequests(llm).length).toBe(before + 1);
  });

  it('abort withdraws a pending question (question.rejected) and the list empties', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'abort' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('question', { questions: QUESTIONS.slice(0, 1) })
        .stop(),
    );
    await sdk(app.url, key).session.promptAsync({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const asked = (await sse.waitForType('question.asked', 10_000)).data.properties;
    await sdk(app.url, key).session.abort({ path: { id: session.id } });
    await sse.waitForType('question.rejected', 5000, (e) => e.properties.requestID === asked.id);
    await until(
      async () => ((await sdk2(app.url, key).question.list()).data!.length === 0 ? true : undefined),
      5000,
      'empty question list',
    );
    const messages = (await sdk(app.url, key).session.messages({ path: { id: session.id } })).data!;
    const tool = messages.flatMap((m) => m.parts).find((p) => p.type === 'tool') as any;
    expect(tool.state.status).toBe('error');
  });

  it('validates input: bad answers are 400, unknown and malformed ids 404', async () => {
    const h = { authorization: `Bearer ${school.student.key}`, 'content-type': 'application/json' };
    const bad = await fetch(`${app.url}/question/que_000000000000AAAAAAAAAAAAAA/reply`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ answers: 'TypeScript' }),
    });
    expect(bad.status).toBe(400);
    const nested = await fetch(`${app.url}/question/que_000000000000AAAAAAAAAAAAAA/reply`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ answers: [[1, 2]] }),
    });
    expect(nested.status).toBe(400);
    const unknown = await fetch(`${app.url}/question/que_000000000000AAAAAAAAAAAAAA/reply`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ answers: [['x']] }),
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { name: string }).name).toBe('NotFoundError');
    const malformed = await fetch(`${app.url}/question/not-an-id/reject`, { method: 'POST', headers: h });
    expect(malformed.status).toBe(404);
  });

  it('an unanswered question times out with a clear error instead of hanging', async () => {
    const quick = await startTestApp({
      OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
      SANDBOX: 'off',
      RETRY_MAX_ATTEMPTS: '0',
      PERMISSION_TIMEOUT_MS: '1000',
    });
    try {
      const tenant = await createTenant(quick.url, quick.adminKey);
      const key = tenant.student.key;
      const session = (await sdk(quick.url, key).session.create({ body: { title: 'timeout' } })).data!;
      const sse = await SseClient.open(quick.url, `/event?sessionID=${session.id}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      streams.push(sse);
      llm.enqueueWhen(
        isChat,
        reply()
          .tool('question', { questions: QUESTIONS.slice(0, 1) })
          .stop(),
      );
      await sdk(quick.url, key).session.prompt({
        path: { id: session.id },
        body: { parts: [{ type: 'text', text: 'go' }] },
      });
      const asked = (await sse.waitForType('question.asked', 5000)).data.properties;
      await sse.waitForType('question.rejected', 5000, (e) => e.properties.requestID === asked.id);
      const messages = (await sdk(quick.url, key).session.messages({ path: { id: session.id } })).data!;
      const tool = messages.flatMap((m) => m.parts).find((p) => p.type === 'tool') as any;
      expect(tool.state.status).toBe('error');
      expect(tool.state.error).toContain('Nobody answered this question within 1 s');
      expect((await sdk2(quick.url, key).question.list()).data).toEqual([]);
      sse.close();
    } finally {
      await quick.close();
    }
  });
});
