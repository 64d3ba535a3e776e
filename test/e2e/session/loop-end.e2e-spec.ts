import { MessageRepository } from '../../../src/modules/session/message.repository';
import { RunLeaseRepository } from '../../../src/modules/session/run/run-lease.repository';
import { SessionRepository } from '../../../src/modules/session/session.repository';
import { SessionRunService } from '../../../src/modules/session/run/session-run.service';
import { SessionWriter } from '../../../src/modules/session/session-writer';
import { SummaryService } from '../../../src/modules/session/summary/summary.service';
import { FakeLlm, isTitleRequest, reply } from '../../fakes/llm';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';

// How a prompt's loop starts and ends: the statement that stores the prompt takes the run lease and reads the
// history (session-prompt.service.ts); on a final answer the loop ends on what it has in memory, the synchronous
// reply (no second read of the history, session-loop.service.ts), and the session summary job runs only for a turn
// whose steps changed the files (loop-trees.ts).

// Booting and closing a whole app can take a minute on a loaded shared machine.
const BOOT_MS = 180_000;
jest.setTimeout(150_000);

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Plain answer.').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'off' });
  school = await createTenant(app.url, app.adminKey);
}, BOOT_MS);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
}, BOOT_MS);

// The school's admin: its `write` tool runs without a question.
const http = () => school.admin.http;
const newSession = async (title: string) => (await http().post('/session', { body: { title } })).body.id as string;
const prompt = (id: string, text: string) =>
  http().post(`/session/${id}/message`, { body: { parts: [{ type: 'text', text }] } });

describe('the start and the end of a loop', () => {
  it('the prompt takes the run lease in the statement that stores it; the model sees the whole history', async () => {
    const id = await newSession('intake lease');
    expect((await prompt(id, 'FIRST-turn-7c')).status).toBe(200);
    const leases = app.running.app.get(RunLeaseRepository);
    const sessions = app.running.app.get(SessionRepository);
    const spies = [jest.spyOn(leases, 'acquireWithHistory'), jest.spyOn(sessions, 'acquireLease')];
    const before = llm.requests.length;
    try {
      expect((await prompt(id, 'SECOND-turn-7c')).status).toBe(200);
      for (const spy of spies) expect(spy.mock.calls.filter(([...args]) => args.includes(id))).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const calls = llm.requests.slice(before).filter((r) => !isTitleRequest(r));
    expect(calls).toHaveLength(1);
    const sent = JSON.stringify(calls[0].body.messages);
    expect(sent.indexOf('FIRST-turn-7c')).toBeGreaterThan(-1);
    expect(sent.indexOf('Plain answer.')).toBeGreaterThan(sent.indexOf('FIRST-turn-7c'));
    expect(sent.indexOf('SECOND-turn-7c')).toBeGreaterThan(sent.indexOf('Plain answer.'));
    // The lease went with the loop's end.
    const row = await sessions.find(school.id, id);
    expect(row?.runOwner ?? null).toBeNull();
  });

  it("releases the run's lease in the answer's last write, not in a statement of its own", async () => {
    const id = await newSession('release with the answer');
    expect((await prompt(id, 'first')).status).toBe(200);
    const release = jest.spyOn(app.running.app.get(RunLeaseRepository), 'release');
    const stepEnd = jest.spyOn(app.running.app.get(SessionWriter), 'stepEnd');
    try {
      // A turn of two steps: the tool step keeps the lease, the answer's write releases it.
      llm.enqueueWhen((r) => !isTitleRequest(r), reply().tool('read', { filePath: 'missing.txt' }).stop());
      llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Read it.').stop());
      expect((await prompt(id, 'read a file')).status).toBe(200);
      expect(release.mock.calls.filter(([sessionId]) => sessionId === id)).toEqual([]);
      const releasing = stepEnd.mock.calls.filter(([row]) => row.id === id).map((call) => call[4] !== undefined);
      expect(releasing).toEqual([false, true]);
      expect((await app.running.app.get(SessionRepository).find(school.id, id))?.runOwner ?? null).toBeNull();
      // The next prompt takes the lease as usual.
      expect((await prompt(id, 'again')).status).toBe(200);
    } finally {
      release.mockRestore();
      stepEnd.mockRestore();
    }
  });

  it("a prompt that joins once the answer's last write released the lease gets an answer of its own", async () => {
    const id = await newSession('join after release');
    expect((await prompt(id, 'first')).status).toBe(200);
    const writer = app.running.app.get(SessionWriter);
    const runs = app.running.app.get(SessionRunService);
    const original = writer.stepEnd.bind(writer);
    let late: ReturnType<typeof prompt> | undefined;
    const stepEnd = jest.spyOn(writer, 'stepEnd').mockImplementation(async (row, ...rest) => {
      // The answer's write decided to release; a prompt arrives and joins the loop before the write goes out.
      if (row.id === id && rest[3] !== undefined && !late) {
        late = prompt(id, 'LATE-join-3f');
        await waitUntil('the late prompt to join', () => runs.joinedHere(id), Boolean);
      }
      return original(row, ...rest);
    });
    // The late prompt's answer comes from a loop that took the lease again, not from the released one stepping on.
    const leases = app.running.app.get(RunLeaseRepository);
    const acquire = leases.acquireWithHistory.bind(leases);
    const order: string[] = [];
    const taken = jest.spyOn(leases, 'acquireWithHistory').mockImplementation(async (tenantId, sessionId, ...rest) => {
      if (sessionId === id) order.push('lease taken');
      return acquire(tenantId, sessionId, ...rest);
    });
    try {
      llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Answer one.').stop());
      llm.enqueueWhen(
        (r) => !isTitleRequest(r),
        () => (order.push('model asked'), reply().text('Answer two.').stop()),
      );
      const first = await prompt(id, 'EARLY-turn-3f');
      expect(first.status).toBe(200);
      expect(first.body.parts.find((p: { type: string }) => p.type === 'text')?.text).toBe('Answer one.');
      const second = await late!;
      expect(second.status).toBe(200);
      expect(second.body.parts.find((p: { type: string }) => p.type === 'text')?.text).toBe('Answer two.');
      const users = (await http().get(`/session/${id}/message`)).body.filter(
        (m: { info: { role: string } }) => m.info.role === 'user',
      );
      expect(second.body.info.parentID).toBe(users[users.length - 1].info.id);
      expect(order).toEqual(['lease taken', 'model asked']);
      expect((await app.running.app.get(SessionRepository).find(school.id, id))?.runOwner ?? null).toBeNull();
    } finally {
      stepEnd.mockRestore();
      taken.mockRestore();
    }
  });

  it('answers with the stored message without reading the history again', async () => {
    const id = await newSession('loop end');
    expect((await prompt(id, 'first')).status).toBe(200);
    const list = jest.spyOn(app.running.app.get(MessageRepository), 'list');
    try {
      const res = await prompt(id, 'second');
      expect(res.status).toBe(200);
      // The history is read once, with the lease (acquireWithHistory); a tail read after the answer is gone.
      const tailReads = list.mock.calls.filter(([, sessionId, opts]) => sessionId === id && opts?.afterId);
      expect(tailReads).toEqual([]);
      expect(res.body.info).toMatchObject({ role: 'assistant', finish: 'stop' });
      expect(res.body.parts.map((p: { type: string }) => p.type)).toEqual(['step-start', 'text', 'step-finish']);
      const stored = await http().get(`/session/${id}/message/${res.body.info.id}`);
      expect(res.body).toEqual(stored.body);
    } finally {
      list.mockRestore();
    }
  });

  it('reads a whole history in one scan per table exactly as the listing by message does', async () => {
    const id = await newSession('history shape');
    for (const text of ['one', 'two', 'three']) expect((await prompt(id, text)).status).toBe(200);
    const messages = app.running.app.get(MessageRepository);
    // A page is read with a parts subquery per message; the whole history (and the lease's) with historyColumns.
    const paged = await messages.list(school.id, id, { limit: 1000 });
    const whole = await messages.list(school.id, id);
    expect(paged.more).toBe(false);
    expect(paged.items).toHaveLength(6);
    expect(whole.items).toEqual(paged.items);
    expect(whole.items.every((m) => m.parts.length > 0)).toBe(true);
    const store = jest.spyOn(messages, 'storePrompt');
    try {
      expect((await prompt(id, 'four')).status).toBe(200);
      // The history the prompt's statement read with the lease: as it was before this prompt.
      const stored = await (store.mock.results[0].value as ReturnType<MessageRepository['storePrompt']>);
      expect(stored?.leased).toEqual(paged.items);
    } finally {
      store.mockRestore();
    }
    expect((await http().get(`/session/${id}/message`)).body).toEqual(
      (await http().get(`/session/${id}/message?limit=100`)).body,
    );
  });

  it('the first answer carries the disclosure part in the reply as stored', async () => {
    const settings = { settings: { aiDisclosure: 'Answers come from an AI.' } };
    expect((await http().patch('/admin/tenants/current', { body: settings })).status).toBe(200);
    const id = await newSession('disclosed');
    const res = await prompt(id, 'hello');
    expect(res.status).toBe(200);
    const stored = await http().get(`/session/${id}/message/${res.body.info.id}`);
    expect(res.body).toEqual(stored.body);
    expect(res.body.parts.some((p: { metadata?: { disclosure?: boolean } }) => p.metadata?.disclosure)).toBe(true);
  });

  it('enqueues the session summary only after a turn whose steps changed the files', async () => {
    const summary = app.running.app.get(SummaryService);
    const enqueue = jest.spyOn(summary, 'enqueue');
    try {
      const id = await newSession('summary');
      const forSession = () => enqueue.mock.calls.filter(([row]) => row.id === id).length;
      // The session's first step takes the workspace's first tree: the diffs are computed once.
      expect((await prompt(id, 'first')).status).toBe(200);
      await waitUntil('the first summary', forSession, (n) => n === 1);
      // Nothing changed since: the stored diffs stay as they are, no job.
      expect((await prompt(id, 'second')).status).toBe(200);
      expect((await prompt(id, 'third')).status).toBe(200);
      expect(forSession()).toBe(1);
      // A step that writes a file changes the tree: the summary runs again.
      llm.enqueueWhen(
        (r) => !isTitleRequest(r),
        reply().tool('write', { filePath: 'notes.txt', content: 'written\n' }).stop(),
      );
      llm.enqueueWhen((r) => !isTitleRequest(r), reply().text('Written.').stop());
      expect((await prompt(id, 'write a file')).status).toBe(200);
      await waitUntil('the summary after the write', forSession, (n) => n === 2);
      const diff = await waitUntil(
        'the session diff',
        async () => (await http().get(`/session/${id}/diff`)).body as { file: string }[],
        (d) => d.length > 0,
      );
      expect(diff.map((d) => d.file)).toEqual(['notes.txt']);
    } finally {
      enqueue.mockRestore();
    }
  });
});
