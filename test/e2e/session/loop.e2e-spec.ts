import { createOpencodeClient } from '@opencode-ai/sdk';
import { FakeLlm, hang, httpError, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// The agent loop driven only through the official SDK, against a fake OpenAI-compatible LLM.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const streams: SseClient[] = [];

function sdk(key: string) {
  return createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${key}` } });
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    RETRY_MAX_ATTEMPTS: '5',
  });
  school = await createTenant(app.url, app.adminKey);
});

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
});

function eventTypes(sse: SseClient, sessionId: string): string[] {
  return sse.events
    .filter(
      (e: any) =>
        e.properties?.sessionID === sessionId ||
        e.properties?.info?.sessionID === sessionId ||
        e.properties?.part?.sessionID === sessionId,
    )
    .map((e: any) => e.type);
}

function collapse(types: string[]): string[] {
  return types.filter((t, i) => t !== types[i - 1]);
}

describe('the agent loop through @opencode-ai/sdk', () => {
  it('streams a plain answer: deltas on /event, then the final message; events in OpenCode order', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'plain' } })).data!;
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    streams.push(sse);
    llm.enqueueWhen(
      (r) => !isTitleRequest(r),
      reply().text('Hello from the fake LLM.').usage({ input: 10, output: 5 }).stop(),
    );
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'hi' }] },
    });
    expect(res.response.status).toBe(200);
    const msg = res.data!;
    expect(msg.info).toMatchObject({
      role: 'assistant',
      finish: 'stop',
      providerID: 'fake',
      modelID: 'fake-model',
      agent: 'build',
    });
    expect(msg.parts.map((p) => p.type)).toEqual(['step-start', 'text', 'step-finish']);
    expect(msg.parts[1]).toMatchObject({ type: 'text', text: 'Hello from the fake LLM.' });
    await sse.waitForType('session.idle', 5000, (e: any) => e.properties.sessionID === session.id);
    // `session.created` was published before this stream opened, but the bus's live reader can still be behind
    // it (loaded machine, Redis fan-out): then the new stream receives it first. It belongs to the creation, not
    // to the prompt whose order is checked here.
    const types = collapse(eventTypes(sse, session.id).filter((t) => t !== 'session.created'));
    expect(types.slice(0, 4)).toEqual(['message.updated', 'message.part.updated', 'session.updated', 'session.status']);
    const firstDelta = types.indexOf('message.part.delta');
    expect(firstDelta).toBeGreaterThan(types.indexOf('message.part.updated', 4));
    expect(types.slice(-2)).toEqual(['session.status', 'session.idle']);
    const deltas = sse.events
      .filter((e: any) => e.type === 'message.part.delta' && e.properties.sessionID === session.id)
      .map((e: any) => e.properties.delta)
      .join('');
    expect(deltas).toBe('Hello from the fake LLM.');
    // Every frame carries an SSE id for Last-Event-ID resumption.
    expect(sse.frames.filter((f: any) => f.data?.type === 'message.part.delta').every((f: any) => !!f.id)).toBe(true);
    sse.close();
  });

  it('runs a tool round trip: pending → running → completed, then a second step answers', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'tools' } })).data!;
    await client.session.prompt({
      path: { id: session.id },
      body: { noReply: true, parts: [{ type: 'text', text: 'setup' }] },
    });
    llm.enqueueWhen(
      (r) => !isTitleRequest(r),
      reply()
        .tool('todowrite', { todos: [{ content: 'Write tests', status: 'in_progress', priority: 'high' }] })
        .stop(),
    );
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Done with tools.').stop());
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    streams.push(sse);
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'plan it' }] },
    });
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'Done with tools.' });
    const statuses = sse.events
      .filter((e: any) => e.type === 'message.part.updated' && e.properties.part.type === 'tool')
      .map((e: any) => e.properties.part.state.status);
    expect(collapse(statuses)).toEqual(['pending', 'running', 'completed']);
    const todos = await client.session.todo({ path: { id: session.id } });
    expect(todos.data).toEqual([{ content: 'Write tests', status: 'in_progress', priority: 'high' }]);
    expect(sse.events.some((e: any) => e.type === 'todo.updated')).toBe(true);
    // The second model request carried the tool result back.
    const second = llm.requests.filter((r) => !isTitleRequest(r)).at(-1)!;
    expect(JSON.stringify(second.body)).toContain('"role":"tool"');
    const list = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(list.map((m) => m.info.role)).toEqual(['user', 'user', 'assistant', 'assistant']);
    sse.close();
  });

  it('prompt_async answers 204 at once; /session/status shows busy until done', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'async' } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('slow answer that streams for a while').delay(60).stop());
    const res = await client.session.promptAsync({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    expect(res.response.status).toBe(204);
    const status = async () => (await client.session.status()).data as Record<string, { type: string }>;
    await waitUntil('the session to be busy', status, (s) => s[session.id]?.type === 'busy', { everyMs: 20 });
    await waitUntil('the session to be idle again', status, (s) => !s[session.id]);
    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(messages.at(-1)!.info).toMatchObject({ role: 'assistant', finish: 'stop' });
  });

  /** A session whose answer streams `text` then hangs after `hangAfter` chunks, watched by an SSE client. */
  async function hangingStream(title: string, text: string, hangAfter: number) {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text(text).hangAfter(hangAfter));
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    streams.push(sse);
    await client.session.promptAsync({ path: { id: session.id }, body: { parts: [{ type: 'text', text: 'go' }] } });
    return { client, session, sse };
  }

  it('abort mid-stream: MessageAbortedError on the message, status idle, partial text kept', async () => {
    const { client, session, sse } = await hangingStream('abort', 'partial words then a hang', 3);
    await sse.waitForType('message.part.delta', 5000);
    const aborted = await client.session.abort({ path: { id: session.id } });
    expect(aborted.data).toBe(true);
    await sse.waitForType('session.idle', 5000);
    const error = sse.events.find((e: any) => e.type === 'session.error');
    expect(error.properties.error.name).toBe('MessageAbortedError');
    const last = (await client.session.messages({ path: { id: session.id } })).data!.at(-1)!;
    expect(last.info).toMatchObject({ role: 'assistant', error: { name: 'MessageAbortedError' } });
    expect((last.parts.find((p) => p.type === 'text') as { text: string }).text.length).toBeGreaterThan(0);
    expect(((await client.session.status()).data as Record<string, unknown>)[session.id]).toBeUndefined();
    sse.close();
  });

  it('streaming text is stored as it streams, and published once whole at its end (OpenCode order)', async () => {
    const { client, session, sse } = await hangingStream('long stream', 'one two three four five six seven eight', 4);
    // A reload mid-stream reads the text so far from the database (the periodic write).
    const textSoFar = async () => {
      const answer = (await client.session.messages({ path: { id: session.id } })).data!.find(
        (m) => m.info.role === 'assistant',
      );
      return (answer?.parts.find((p) => p.type === 'text') as { text?: string } | undefined)?.text ?? '';
    };
    const stored = await waitUntil('the streamed text to be stored', textSoFar, (t) => t.length > 0);
    expect(stored).toMatch(/^one/);
    const answerId = (await sse.waitForType('message.part.delta', 5000)).data.properties.messageID;
    const textUpdates = () =>
      sse.events.filter(
        (e: any) =>
          e.type === 'message.part.updated' &&
          e.properties.part.type === 'text' &&
          e.properties.part.messageID === answerId,
      );
    // Stored, not published: the text part's only event so far is its empty announcement.
    expect(textUpdates().map((e: any) => e.properties.part.text)).toEqual(['']);
    await client.session.abort({ path: { id: session.id } });
    await sse.waitForType('session.idle', 5000);
    const texts = textUpdates().map((e: any) => e.properties.part.text);
    expect(texts).toEqual(['', await textSoFar()]);
    const deltas = sse.events
      .filter((e: any) => e.type === 'message.part.delta')
      .map((e: any) => e.properties.delta)
      .join('');
    expect(deltas).toBe(texts[1]);
    const order = collapse(eventTypes(sse, session.id).filter((t) => t.startsWith('message.part.')));
    expect(order).toEqual(['message.part.updated', 'message.part.delta', 'message.part.updated']);
    sse.close();
  });

  it('a hanging provider is aborted by the user', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'hang' } })).data!;
    llm.enqueueWhen((r) => !isTitleRequest(r), hang());
    const pending = client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    // The LLM holding the request is the fact to abort on: the loop is in the stream, its abort signal attached.
    await llm.waitForRequests(llm.requests.length + 1);
    await client.session.abort({ path: { id: session.id } });
    const res = await pending;
    expect(res.data!.info).toMatchObject({ error: { name: 'MessageAbortedError' } });
  });

  it('429 with retry-after-ms → status retry → success; 500 ×3 then success; a reset is retried without duplicate parts', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'retry' } })).data!;
    const sse = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    streams.push(sse);
    llm.enqueueWhen(
      (r) => !isTitleRequest(r),
      httpError(429, { 'retry-after-ms': '50' }, { error: { message: 'Rate limit reached', type: 'rate_limit' } }),
    );
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('after rate limit').stop());
    const first = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'one' }] },
    });
    expect(first.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'after rate limit' });
    const retry = sse.events.find((e: any) => e.type === 'session.status' && e.properties.status.type === 'retry');
    expect(retry.properties.status).toMatchObject({ type: 'retry', attempt: 1 });
    expect(retry.properties.status.next).toBeGreaterThan(0);

    for (let i = 0; i < 3; i++) llm.enqueueWhen((r) => !isTitleRequest(r), httpError(500, { 'retry-after-ms': '10' }));
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('after three 500s').stop());
    const second = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'two' }] },
    });
    expect(second.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'after three 500s' });

    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('this will be cut off by a reset').resetAfter(3));
    llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('clean answer').stop());
    const third = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'three' }] },
    });
    expect(third.data!.parts.map((p) => p.type)).toEqual(['step-start', 'text', 'step-finish']);
    expect(third.data!.parts[1]).toMatchObject({ text: 'clean answer' });
    sse.close();
  });

  it('lists messages with pagination (Link / X-Next-Cursor) and deletes a session', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: { title: 'pages' } })).data!;
    for (let i = 0; i < 5; i++)
      await client.session.prompt({
        path: { id: session.id },
        body: { noReply: true, parts: [{ type: 'text', text: `m${i}` }] },
      });
    const page = await fetch(`${app.url}/session/${session.id}/message?limit=2`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    const items = (await page.json()) as { parts: { text: string }[] }[];
    expect(items.map((m) => m.parts[0].text)).toEqual(['m3', 'm4']);
    const cursor = page.headers.get('x-next-cursor')!;
    expect(page.headers.get('link')).toContain(`before=${cursor}`);
    const older = await fetch(`${app.url}/session/${session.id}/message?limit=2&before=${cursor}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    expect(((await older.json()) as { parts: { text: string }[] }[]).map((m) => m.parts[0].text)).toEqual(['m1', 'm2']);
    const del = await client.session.delete({ path: { id: session.id } });
    expect(del.data).toBe(true);
    const gone = await client.session.get({ path: { id: session.id } });
    expect(gone.response.status).toBe(404);
    expect(gone.error).toMatchObject({ name: 'NotFoundError' });
  });

  it('isolates tenants: another school cannot see, prompt or abort the session', async () => {
    const other = await createTenant(app.url, app.adminKey);
    const mine = (await sdk(school.admin.key).session.create({ body: { title: 'private' } })).data!;
    const theirs = sdk(other.admin.key);
    expect((await theirs.session.get({ path: { id: mine.id } })).response.status).toBe(404);
    expect(
      (await theirs.session.prompt({ path: { id: mine.id }, body: { parts: [{ type: 'text', text: 'x' }] } })).response
        .status,
    ).toBe(404);
    expect((await theirs.session.abort({ path: { id: mine.id } })).response.status).toBe(404);
    expect((await theirs.session.list()).data!.some((s) => s.id === mine.id)).toBe(false);
  });

  it('rejects bad input with 400 and OpenCode error bodies, and malformed ids with 404', async () => {
    const client = sdk(school.admin.key);
    const session = (await client.session.create({ body: {} })).data!;
    const bad = await fetch(`${app.url}/session/${session.id}/message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${school.admin.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parts: 'nope' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ name: 'BadRequest', data: { message: expect.any(String) } });
    const malformed = await client.session.get({ path: { id: 'not-a-session' } });
    expect(malformed.response.status).toBe(404);
    const abortUnknown = await client.session.abort({ path: { id: 'ses_ffffffffffffAAAAAAAAAAAAAA' } });
    expect(abortUnknown.response.status).toBe(404);
  });
});

describe('removing from a transcript goes through the one writer', () => {
  it('DELETE of a part and of a message: the row goes, then its removal event; a second DELETE is a 404', async () => {
    const http = school.student.http;
    const id = (await http.post('/session', { body: { title: 'removals' } })).body.id as string;
    const answer = await http.post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text: 'hi' }] } });
    expect(answer.status).toBe(200);
    const sse = await SseClient.open(app.url, `/event?sessionID=${id}`, {
      headers: { authorization: `Bearer ${school.student.key}` },
    });
    streams.push(sse);
    const messageID = answer.body.info.id as string;
    const partID = answer.body.parts.at(-1).id as string;

    expect((await http.delete(`/session/${id}/message/${messageID}/part/${partID}`)).status).toBe(200);
    const partGone = await sse.waitForType('message.part.removed');
    expect(partGone.data.properties).toEqual({ sessionID: id, messageID, partID });
    expect((await http.delete(`/session/${id}/message/${messageID}/part/${partID}`)).status).toBe(404);

    expect((await http.delete(`/session/${id}/message/${messageID}`)).status).toBe(200);
    const messageGone = await sse.waitForType('message.removed');
    expect(messageGone.data.properties).toEqual({ sessionID: id, messageID });
    expect((await http.delete(`/session/${id}/message/${messageID}`)).status).toBe(404);
    const messages = (await http.get(`/session/${id}/message`)).body as { info: { id: string } }[];
    expect(messages.map((m) => m.info.id)).not.toContain(messageID);
    // One event per removal that happened: the refused second DELETEs published nothing.
    const removals = sse.events.filter((e: any) => /removed$/.test(e.type ?? ''));
    expect(removals.map((e: any) => e.type)).toEqual(['message.part.removed', 'message.removed']);
  });
});
