import { spawnSync } from 'node:child_process';
import path from 'node:path';
import {
  compactionJobs,
  runConversation,
  startWindowStack,
  type WindowStack,
} from '../e2e/compaction/compaction-stack';
import {
  CONTEXT,
  isSummaryRequest,
  isTitleRequest,
  OUTPUT,
  SUMMARY_TEXT,
  turnPrompt,
} from '../e2e/compaction/compaction.helpers';
import { contextOverflow } from '../fakes/llm';
import { testRedisUrl } from '../utils/redis-lease';
import { testServerUrl } from '../utils/test-database';

// The short version of `npm run bench:compaction`: `node dist/main.js` without workers and `node dist/worker.js`
// on one Postgres and one Redis, a fake model with a 9,000-token window. Every request the model receives stays
// under the window because compaction jobs run on the worker process while the API's loop waits for them.

const ROOT = path.resolve(__dirname, '..', '..');
const TURNS = 40;
const enabled = !!testRedisUrl() && !!testServerUrl();
const describeFault = enabled ? describe : describe.skip;
if (!enabled) {
  it.skip('compaction window: skipped because DATABASE_URL and REDIS_URL are not both set (the worker is a separate process sharing Postgres and Redis)', () =>
    undefined);
}

type Messages = NonNullable<Awaited<ReturnType<WindowStack['client']['session']['messages']>>['data']>;
const isSummary = (m: Messages[number]) => (m.info as { summary?: unknown }).summary === true;

describeFault('compaction on the worker process keeps a long conversation inside the window', () => {
  let stack: WindowStack;

  beforeAll(async () => {
    if (process.env.OC_TEST_SKIP_BUILD !== '1') {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
    stack = await startWindowStack({ context: CONTEXT, output: OUTPUT, auto: true });
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
  });

  it(`${TURNS} synchronous turns: every request under ${CONTEXT} tokens, summaries by the worker, kept in the transcript`, async () => {
    const { sessionId, stats, errors } = await runConversation(stack, TURNS, { context: CONTEXT });
    expect(errors).toEqual([]);
    expect(stats.overWindow).toBe(0);
    expect(stats.largest).toBeLessThan(CONTEXT);
    expect(stats.chat).toBeGreaterThanOrEqual(TURNS);
    expect(stats.summaries).toBeGreaterThanOrEqual(2);

    const messages = (await stack.client.session.messages({ path: { id: sessionId } })).data!;
    const summaries = messages.filter(isSummary);
    expect(summaries).toHaveLength(stats.summaries);
    for (const s of summaries) {
      expect(s.info).toMatchObject({ agent: 'compaction', finish: 'stop' });
      expect(s.parts.find((p) => p.type === 'text')).toMatchObject({ text: SUMMARY_TEXT });
    }
    const last = messages.at(-1)!;
    expect(last.info).toMatchObject({ role: 'assistant', finish: 'stop' });
    expect(last.parts.find((p) => p.type === 'text')).toMatchObject({
      text: expect.stringContaining(`Answer to turn ${String(TURNS).padStart(3, '0')}`),
    });

    // Every summary came from a job the worker process ran; the API runs no workers.
    const jobs = await compactionJobs(stack, sessionId);
    expect(jobs.map((j) => j.returnvalue?.summaryId).sort()).toEqual(summaries.map((s) => s.info.id).sort());
    expect(new Set(jobs.map((j) => j.returnvalue?.workerPid))).toEqual(new Set([stack.worker.pid]));
    expect(stack.worker.pid).not.toBe(stack.api.pid);
  }, 180_000);

  it('a synchronous prompt the provider refuses as too large returns the answer after the worker compacted', async () => {
    const { client, llm } = stack;
    const session = (await client.session.create({ body: { title: 'overflow on the worker' } })).data!;
    await client.session.prompt({ path: { id: session.id }, body: { parts: [{ type: 'text', text: turnPrompt(1) }] } });
    llm.enqueueWhen((r) => !isTitleRequest(r) && !isSummaryRequest(r), contextOverflow());
    const res = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: turnPrompt(2) }] },
    });
    expect(res.response.status).toBe(200);
    expect(res.data!.info).toMatchObject({ role: 'assistant', finish: 'stop' });
    expect((res.data!.info as { error?: unknown }).error).toBeUndefined();
    expect(res.data!.parts.find((p) => p.type === 'text')).toMatchObject({
      text: expect.stringContaining('Answer to turn 002'),
    });

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const summary = messages.find(isSummary)!;
    expect(summary.parts.find((p) => p.type === 'text')).toMatchObject({ text: SUMMARY_TEXT });
    expect(messages.at(-1)!.info.id).toBe(res.data!.info.id);
    const [job] = await compactionJobs(stack, session.id);
    expect(job.data).toMatchObject({ auto: true, overflow: true });
    expect(job.returnvalue).toMatchObject({ summaryId: summary.info.id, workerPid: stack.worker.pid });
  }, 120_000);
});
