import fs from 'node:fs';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { onHost } from '../../utils/host-path';
import { SseClient } from '../../utils/sse-client';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { chatRequests, isChat, sdk, sdk2, toolResults, untilIdle } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// Boots a whole app on a shared, busy machine.
jest.setTimeout(120_000);

// The permission ask flow driven through the SDK: `bash` asks (platform config), `touch` is denied, the
// tutor agent may not edit. Replies once / always / reject; "always" survives a restart of the server.

let db: TestDatabase;
let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let other: TestTenant;
const streams: SseClient[] = [];

const config = () => fakeProviderConfig(llm.openaiBaseUrl, { permission: { bash: { '*': 'ask', 'touch *': 'deny' } } });

async function boot(): Promise<TestApp> {
  return startTestApp({
    OPENCODE_CONFIG_CONTENT: config(),
    SANDBOX: 'off',
    RETRY_MAX_ATTEMPTS: '0',
    DATABASE_URL: db.url,
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await boot();
  school = await createTenant(app.url, app.adminKey);
  other = await createTenant(app.url, app.adminKey);
}, 180_000);

afterAll(async () => {
  for (const s of streams) s.close();
  await app?.close();
  await llm?.stop();
  await db?.close();
}, 120_000);

async function openEvents(key: string, sessionId: string) {
  const sse = await SseClient.open(app.url, `/event?sessionID=${sessionId}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  streams.push(sse);
  return sse;
}

const bash = (command: string) =>
  reply()
    .tool('bash', { command, description: `run ${command}` })
    .stop();

async function toolParts(key: string, sessionId: string): Promise<any[]> {
  const messages = (await sdk(app.url, key).session.messages({ path: { id: sessionId } })).data!;
  return messages.flatMap((m) => m.parts).filter((p) => p.type === 'tool');
}

function asks(sse: SseClient): any[] {
  return sse.events.filter((e) => e.type === 'permission.asked').map((e) => e.properties);
}

describe('permissions through @opencode-ai/sdk', () => {
  let alwaysSession: string;

  it('bash under "ask": permission.asked, "once" lets it run, the next call asks again', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'once' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, bash('echo first-run'));
    llm.enqueueWhen(isChat, reply().text('ran it').stop());
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'run it' }] },
    });
    const asked = (await sse.waitForType('permission.asked', 10_000)).data.properties;
    expect(asked).toMatchObject({
      sessionID: session.id,
      permission: 'bash',
      patterns: ['echo first-run'],
      always: ['echo *'],
      metadata: { command: 'echo first-run' },
    });
    expect(asked.id).toMatch(/^per_/);
    expect(asked.tool.callID).toBeTruthy();
    // Pending and visible to the owner; another tenant neither sees nor answers it.
    expect((await sdk2(app.url, key).permission.list()).data!.map((p) => p.id)).toEqual([asked.id]);
    expect((await sdk2(app.url, other.admin.key).permission.list()).data).toEqual([]);
    expect(
      (await sdk2(app.url, other.admin.key).permission.reply({ requestID: asked.id, reply: 'once' })).response.status,
    ).toBe(404);

    expect((await sdk2(app.url, key).permission.reply({ requestID: asked.id, reply: 'once' })).data).toBe(true);
    await pending;
    expect((await sse.waitForType('permission.replied', 5000)).data.properties).toMatchObject({
      sessionID: session.id,
      requestID: asked.id,
      reply: 'once',
    });
    const [first] = await toolParts(key, session.id);
    expect(first.state).toMatchObject({ status: 'completed' });
    expect(first.state.output).toContain('first-run');

    // Same command again: "once" approved nothing for later. Answered through the deprecated v1 route.
    llm.enqueueWhen(isChat, bash('echo first-run'));
    llm.enqueueWhen(isChat, reply().text('ran it again').stop());
    const again = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'again' }] },
    });
    const second = (await sse.waitForType('permission.asked', 10_000, (e) => e.properties.id !== asked.id)).data
      .properties;
    const legacy = await sdk(app.url, key).postSessionIdPermissionsPermissionId({
      path: { id: session.id, permissionID: second.id },
      body: { response: 'once' },
    });
    expect(legacy.data).toBe(true);
    await again;
    const parts = await toolParts(key, session.id);
    expect(parts.map((p) => p.state.status)).toEqual(['completed', 'completed']);
    expect(asks(sse)).toHaveLength(2);
  });

  it('"always" stops asking for the approved prefix', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'always' } })).data!;
    alwaysSession = session.id;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, bash('echo approve-me'));
    llm.enqueueWhen(isChat, reply().text('done').stop());
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const asked = (await sse.waitForType('permission.asked', 10_000)).data.properties;
    expect((await sdk2(app.url, key).permission.reply({ requestID: asked.id, reply: 'always' })).data).toBe(true);
    await pending;

    llm.enqueueWhen(isChat, bash('echo no-question-now'));
    llm.enqueueWhen(isChat, reply().text('done again').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go on' }] },
    });
    const parts = await toolParts(key, session.id);
    expect(parts.map((p) => p.state.status)).toEqual(['completed', 'completed']);
    expect(parts[1].state.output).toContain('no-question-now');
    expect(asks(sse)).toHaveLength(1);
    // Another command is still asked about.
    llm.enqueueWhen(isChat, bash('ls -la'));
    llm.enqueueWhen(isChat, reply().text('listed').stop());
    const ls = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'list' }] },
    });
    const lsAsk = (await sse.waitForType('permission.asked', 10_000, (e) => e.properties.id !== asked.id)).data
      .properties;
    expect(lsAsk.patterns).toEqual(['ls -la']);
    await sdk2(app.url, key).permission.reply({ requestID: lsAsk.id, reply: 'once' });
    await ls;
  });

  it('"always" is still in force after the server restarts on the same database', async () => {
    for (const s of streams.splice(0)) s.close();
    await app.close();
    app = await boot();
    const key = school.student.key;
    const sse = await openEvents(key, alwaysSession);
    llm.enqueueWhen(isChat, bash('echo after-restart'));
    llm.enqueueWhen(isChat, reply().text('still approved').stop());
    const res = await sdk(app.url, key).session.prompt({
      path: { id: alwaysSession },
      body: { parts: [{ type: 'text', text: 'after restart' }] },
    });
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'still approved' });
    const parts = await toolParts(key, alwaysSession);
    expect(parts.at(-1).state).toMatchObject({ status: 'completed' });
    expect(parts.at(-1).state.output).toContain('after-restart');
    expect(asks(sse)).toHaveLength(0);
    // The approval belongs to that student: the school's teacher... has no sessions here, so check another student.
  });

  it('"reject" stops the loop with the error on the tool part', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'reject' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, bash('cat /etc/hostname'));
    const before = chatRequests(llm).length;
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const asked = (await sse.waitForType('permission.asked', 10_000)).data.properties;
    await sdk2(app.url, key).permission.reply({ requestID: asked.id, reply: 'reject' });
    await pending;
    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('error');
    expect(part.state.error).toContain('declined permission');
    // No further step: once the run is over, the model was not called again after the rejection.
    await untilIdle(app.url, key, session.id);
    expect(chatRequests(llm).length).toBe(before + 1);
  });

  it('"reject" with a message lets the model continue with the feedback', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'correct' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, bash('date'));
    llm.enqueueWhen(isChat, reply().text('ok, I will not').stop());
    const pending = sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const asked = (await sse.waitForType('permission.asked', 10_000)).data.properties;
    await sdk2(app.url, key).permission.reply({
      requestID: asked.id,
      reply: 'reject',
      message: 'use the tests instead',
    });
    const done = (await pending).data!;
    expect(done.parts.find((p) => p.type === 'text')).toMatchObject({ text: 'ok, I will not' });
    expect(toolResults(chatRequests(llm).at(-1)!.body).join('\n')).toContain('use the tests instead');
  });

  it('a deny rule never runs the tool and never asks', async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'deny' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, bash('touch created-by-model.txt'));
    llm.enqueueWhen(isChat, reply().text('could not').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    const [part] = await toolParts(key, session.id);
    expect(part.state.status).toBe('error');
    expect(part.state.error).toContain('blocked by a permission rule');
    expect(asks(sse)).toHaveLength(0);
    expect(fs.existsSync(path.join(onHost(app, session.directory), 'created-by-model.txt'))).toBe(false);
  });

  it("the tutor's denied edit is refused outright: no request exists that the student could approve", async () => {
    const key = school.student.key;
    const session = (await sdk(app.url, key).session.create({ body: { title: 'tutor' } })).data!;
    const sse = await openEvents(key, session.id);
    llm.enqueueWhen(isChat, reply().tool('write', { filePath: 'solution.py', content: 'print("answer")\n' }).stop());
    llm.enqueueWhen(isChat, reply().text('Try writing it yourself.').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { agent: 'tutor', parts: [{ type: 'text', text: 'write my solution' }] },
    });
    const [part] = await toolParts(key, session.id);
    expect(part.tool).toBe('write');
    expect(part.state.status).toBe('error');
    expect(part.state.error).toContain('blocked by a permission rule');
    expect(asks(sse)).toHaveLength(0);
    expect((await sdk2(app.url, key).permission.list()).data).toEqual([]);
    expect(fs.existsSync(path.join(onHost(app, session.directory), 'solution.py'))).toBe(false);
    // A session-level "allow" for edit cannot lift the tutor's guardrail either.
    await fetch(`${app.url}/session/${session.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ permission: [{ permission: 'edit', pattern: '*', action: 'allow' }] }),
    });
    llm.enqueueWhen(isChat, reply().tool('write', { filePath: 'solution.py', content: 'print("answer")\n' }).stop());
    llm.enqueueWhen(isChat, reply().text('Still no.').stop());
    await sdk(app.url, key).session.prompt({
      path: { id: session.id },
      body: { agent: 'tutor', parts: [{ type: 'text', text: 'I allowed it, write it' }] },
    });
    const parts = await toolParts(key, session.id);
    expect(parts.map((p) => p.state.status)).toEqual(['error', 'error']);
    expect(fs.existsSync(path.join(onHost(app, session.directory), 'solution.py'))).toBe(false);
  });

  it('validates replies: bad reply values are 400, unknown ids 404', async () => {
    const h = { authorization: `Bearer ${school.student.key}`, 'content-type': 'application/json' };
    const bad = await fetch(`${app.url}/permission/per_000000000000AAAAAAAAAAAAAA/reply`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ reply: 'sometimes' }),
    });
    expect(bad.status).toBe(400);
    const unknown = await fetch(`${app.url}/permission/per_000000000000AAAAAAAAAAAAAA/reply`, {
      method: 'POST',
      headers: h,
      body: JSON.stringify({ reply: 'once' }),
    });
    expect(unknown.status).toBe(404);
  });
});
