import { newId } from '../../../src/core/ids';
import { PrismaService } from '../../../src/infra/database/prisma.service';
import { MessageRepository } from '../../../src/modules/session/message.repository';
import { stepAssistant } from '../../../src/modules/session/prompt/step-assistant';
import { RunLeaseRepository } from '../../../src/modules/session/run/run-lease.repository';
import { INTERRUPTED_TOOL } from '../../../src/modules/session/run/run-recovery';
import { RunResumer } from '../../../src/modules/session/run/run-resume.service';
import { SessionRunService } from '../../../src/modules/session/run/session-run.service';
import type { SessionRow } from '../../../src/modules/session/session.repository';
import type { PartInfo, UserMessageInfo } from '../../../src/modules/session/session.types';
import { FakeLlm, isTitleRequest, reply, type RecordedRequest } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';

// The recovery sweep as another process sees a session's lease: one renewed late but not expired belongs to a live
// loop and is left alone (the sweep used to end such loops under load); an expired one is taken over by exactly one
// process and its loop resumed from the last completed step; one a user aborted is ended, never resumed; and a loop
// whose lease went elsewhere stops here without writing. "Another process" is a lease row with a foreign owner.

const GHOST = 'ghost-host:1:dead';
const isChat = (r: RecordedRequest) => !isTitleRequest(r);

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
let sql: PrismaService;
let resumer: RunResumer;
let runs: SessionRunService;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Default answer.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
  sql = app.running.app.get(PrismaService);
  resumer = app.running.app.get(RunResumer);
  runs = app.running.app.get(SessionRunService);
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

async function newSession(): Promise<string> {
  const res = await school.student.http.post('/session', {
    body: { permission: [{ permission: '*', pattern: '*', action: 'allow' }] },
  });
  expect(res.status).toBe(200);
  return res.body.id;
}

/** What a process that died mid-step leaves: a step with one completed and one running tool call, unfinished. */
async function leftBehind(id: string): Promise<{ assistantId: string }> {
  const prompt = await school.student.http.post(`/session/${id}/message`, {
    body: { noReply: true, parts: [{ type: 'text', text: 'run two tools' }] },
  });
  expect(prompt.status).toBe(200);
  const user = prompt.body.info as UserMessageInfo;
  const row = (await sql.sql<SessionRow>(`SELECT * FROM "Session" WHERE id = $1`, [id])).rows[0];
  const assistant = stepAssistant(row, user);
  const messages = app.running.app.get(MessageRepository);
  await messages.upsertMessage(row.tenantId, assistant);
  const base = { sessionID: id, messageID: assistant.id };
  const now = Date.now();
  const parts: PartInfo[] = [
    { ...base, id: newId('part'), type: 'text', text: 'Running both.', time: { start: now } },
    {
      ...base,
      id: newId('part'),
      type: 'tool',
      callID: 'call_done',
      tool: 'bash',
      state: {
        status: 'completed',
        input: { command: 'echo done', description: 'd' },
        output: 'done-output',
        title: 'd',
        metadata: {},
        time: { start: now, end: now },
      },
    },
    {
      ...base,
      id: newId('part'),
      type: 'tool',
      callID: 'call_open',
      tool: 'bash',
      state: { status: 'running', input: { command: 'sleep 100', description: 'o' }, time: { start: now } },
    },
  ] as PartInfo[];
  await messages.upsertParts(row.tenantId, parts);
  return { assistantId: assistant.id };
}

const lease = async (id: string, owner: string | null, inMs: number) =>
  sql.sql(
    `UPDATE "Session" SET "runOwner" = $2, "runLeaseUntil" = now() + ($3 * interval '1 millisecond') WHERE id = $1`,
    [id, owner, inMs],
  );
const ownerOf = async (id: string) =>
  (await sql.sql<{ runOwner: string | null }>(`SELECT "runOwner" FROM "Session" WHERE id = $1`, [id])).rows[0].runOwner;
const transcript = async (id: string) => (await school.student.http.get(`/session/${id}/message`)).body as any[];
const toolState = (messages: any[], callID: string) =>
  messages.flatMap((m) => m.parts).find((p) => p.type === 'tool' && p.callID === callID)?.state;

it('leaves a lease renewed late but not expired alone, and resumes it from the last completed step once it expires', async () => {
  const id = await newSession();
  await leftBehind(id);
  // A 4 s lease last renewed 2.5 s ago: its owner missed two renewals (a loaded process) but is alive.
  await lease(id, GHOST, 1500);
  const chatsBefore = llm.requests.filter(isChat).length;
  expect(await resumer.sweep()).toEqual([]);
  expect(await ownerOf(id)).toBe(GHOST);
  const untouched = await transcript(id);
  expect(untouched[1].info.time.completed).toBeUndefined();
  expect(untouched[1].info.error).toBeUndefined();
  expect(toolState(untouched, 'call_open').status).toBe('running');
  expect(llm.requests.filter(isChat).length).toBe(chatsBefore);

  llm.enqueueWhen(isChat, reply().text('Resumed after the interruption.').stop());
  await lease(id, GHOST, -1);
  await waitUntil(
    'the resumed loop to answer',
    () => transcript(id),
    (messages) => messages.some((m) => m.info.role === 'assistant' && m.info.finish === 'stop'),
    { timeoutMs: 20_000, everyMs: 100 },
  );
  await waitUntil(
    'the lease to be released',
    () => ownerOf(id),
    (owner) => owner === null,
    { timeoutMs: 10_000 },
  );
  const messages = await transcript(id);
  const [, interrupted, answer] = messages;
  expect(messages).toHaveLength(3);
  // The interrupted step kept its text and its completed call; the open call became an error the model reads.
  expect(interrupted.info).toMatchObject({ finish: 'tool-calls' });
  expect(interrupted.info.error).toBeUndefined();
  expect(toolState(messages, 'call_done')).toMatchObject({ status: 'completed', output: 'done-output' });
  expect(toolState(messages, 'call_open')).toMatchObject({ status: 'error', error: INTERRUPTED_TOOL });
  expect(answer.info.error).toBeUndefined();
  expect(answer.parts.find((p: any) => p.type === 'text').text).toBe('Resumed after the interruption.');
  // One new model call, carrying both results: nothing was run again.
  const chats = llm.requests.filter(isChat);
  expect(chats.length).toBe(chatsBefore + 1);
  const results = (
    chats[chats.length - 1].body as { messages: { role: string; tool_call_id?: string; content: unknown }[] }
  ).messages.filter((m) => m.role === 'tool');
  expect(results.map((m) => m.tool_call_id)).toEqual(['call_done', 'call_open']);
  expect(JSON.stringify(results[0].content)).toContain('done-output');
});

it('leaves an expired lease alone while its owner process lives (its liveness lock held), and takes it over once that process is gone', async () => {
  const id = await newSession();
  await leftBehind(id);
  // A process starved of CPU or of pool connections: its renewals stopped long enough for the lease to expire, but
  // its liveness connection (and so its lock) is still there.
  const owner = 'slow-host:2:alive';
  const liveness = sql.livenessLock(owner);
  await liveness.start();
  try {
    await lease(id, owner, -1);
    const chatsBefore = llm.requests.filter(isChat).length;
    expect(await resumer.sweep()).toEqual([]);
    expect(await app.running.app.get(RunLeaseRepository).claim(id, owner, 'proc-x:9:x', 4000, false)).toBeUndefined();
    expect(await ownerOf(id)).toBe(owner);
    expect(llm.requests.filter(isChat).length).toBe(chatsBefore);
    llm.enqueueWhen(isChat, reply().text('Resumed after its owner died.').stop());
  } finally {
    // The process dies: its connection ends, and the lock with it.
    await liveness.stop();
  }
  await waitUntil(
    'the resumed loop to answer',
    () => transcript(id),
    (messages) => messages.some((m) => m.parts.some((p: any) => p.text === 'Resumed after its owner died.')),
    { timeoutMs: 20_000, everyMs: 100 },
  );
  await waitUntil(
    'the lease to be released',
    () => ownerOf(id),
    (o) => o === null,
    { timeoutMs: 10_000 },
  );
});

it('ends a run the user aborted while its owner was unreachable, and never resumes it', async () => {
  const id = await newSession();
  const { assistantId } = await leftBehind(id);
  await lease(id, GHOST, 60_000);
  const chatsBefore = llm.requests.filter(isChat).length;
  expect((await school.student.http.post(`/session/${id}/abort`)).status).toBe(200);
  // Kept with the lease: the owner would stop at its next renewal.
  expect(
    (await sql.sql<{ at: Date | null }>(`SELECT "runAbortAt" AS at FROM "Session" WHERE id = $1`, [id])).rows[0].at,
  ).not.toBeNull();
  await lease(id, GHOST, -1);
  await waitUntil(
    'the run to be ended',
    () => ownerOf(id),
    (owner) => owner === null,
    { timeoutMs: 10_000 },
  );
  const messages = await transcript(id);
  expect(messages).toHaveLength(2);
  expect(messages[1].info).toMatchObject({ id: assistantId, error: { name: 'MessageAbortedError' } });
  expect(toolState(messages, 'call_open')).toMatchObject({ status: 'error', error: 'Tool execution aborted' });
  expect(toolState(messages, 'call_done')).toMatchObject({ status: 'completed' });
  expect(llm.requests.filter(isChat).length).toBe(chatsBefore);
});

it('gives a dead lease to exactly one of the processes sweeping at once', async () => {
  const id = await newSession();
  await lease(id, GHOST, 60_000);
  const leases = app.running.app.get(RunLeaseRepository);
  // earlierLife skips the expiry check, so this process's own sweep does not race the two claims.
  const claims = await Promise.all(
    ['proc-a:1:x', 'proc-b:2:y', 'proc-c:3:z'].map((owner) => leases.claim(id, GHOST, owner, 4000, true)),
  );
  expect(claims.filter((c) => c !== undefined)).toEqual([1]);
  await lease(id, null, 0);
});

it('stops a local loop whose lease went to another process, without writing to the session', async () => {
  const id = await newSession();
  const sse = await SseClient.open(app.url, `/event`, { key: school.student.key });
  try {
    llm.enqueueWhen(isChat, reply().text('words that never end').hangAfter(3));
    const res = await school.student.http.post(`/session/${id}/prompt_async`, {
      body: { parts: [{ type: 'text', text: 'hang' }] },
    });
    expect(res.status).toBe(204);
    await sse.waitForType('message.part.delta', 20_000, (d) => d.properties?.sessionID === id);
    // Another process took the lease (this one stalled past it): the local loop must stop and leave it be.
    await lease(id, 'thief-host:9:live', 60_000);
    const stolenAt = sse.frames.length;
    await waitUntil(
      'the local loop to stop',
      async () => runs.isRunningHere(id),
      (here) => !here,
      {
        timeoutMs: 10_000,
      },
    );
    expect(await ownerOf(id)).toBe('thief-host:9:live');
    const messages = await transcript(id);
    const assistant = messages.find((m) => m.info.role === 'assistant');
    expect(assistant?.info.error).toBeUndefined();
    expect(assistant?.info.time.completed).toBeUndefined();
    const after = sse.frames.slice(stolenAt).filter((f) => f.data?.properties?.sessionID === id);
    expect(after.map((f) => f.data.type)).not.toContain('session.idle');
    expect(after.map((f) => f.data.type)).not.toContain('session.error');
  } finally {
    sse.close();
    await lease(id, null, 0);
  }
});
