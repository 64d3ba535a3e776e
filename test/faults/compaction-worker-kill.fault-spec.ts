import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { createOpencodeClient } from '@opencode-ai/sdk';
import { Queue } from 'bullmq';
import { redisOptions } from '../../src/infra/queue/queue.backend';
import { compactionJobId } from '../../src/modules/session/compaction/compaction-steps';
import { removeSnapshot, snapshotDist } from '../e2e/compaction/compaction-stack';
import { isSummaryRequest, SUMMARY_TEXT, turnPrompt, windowedLlm } from '../e2e/compaction/compaction.helpers';
import { reply, type FakeLlm } from '../fakes/llm';
import { createTenant, type TestTenant } from '../factories/tenant.factory';
import { NodeProcess } from '../utils/node-process';
import { testRedisUrl } from '../utils/redis-lease';
import { SseClient } from '../utils/sse-client';
import { testServerUrl } from '../utils/test-database';
import { startTestApp, type TestApp } from '../utils/test-app';
import { waitUntil } from '../utils/wait-until';

// The API runs no workers (WORKERS_IN_API=false); a separate `node dist/worker.js` runs the compaction job and
// is SIGKILLed while the summary streams. BullMQ notices the stalled job, a fresh worker runs it again, and the
// session ends with exactly one summary; the API's loop, waiting on the job, carries on.

const ROOT = path.resolve(__dirname, '..', '..');
const enabled = !!testRedisUrl() && !!testServerUrl();
const describeFault = enabled ? describe : describe.skip;
if (!enabled) {
  it.skip('compaction worker kill: skipped because DATABASE_URL and REDIS_URL are not both set (the worker is a separate process sharing Postgres and Redis)', () =>
    undefined);
}

describeFault('a worker killed in the middle of a compaction job', () => {
  let llm: FakeLlm;
  let app: TestApp;
  let school: TestTenant;
  const workers: NodeProcess[] = [];
  let config: string;
  let dist = '';
  let sse: SseClient | undefined;

  const startWorker = async (name: string) => {
    const worker = NodeProcess.start(name, path.join(dist, 'dist', 'worker.js'), {
      NODE_ENV: 'test',
      DATABASE_URL: app.database!.url,
      REDIS_URL: app.redisUrl!,
      DATA_DIR: app.dataDir,
      LOG_LEVEL: 'info',
      SANDBOX: 'off',
      SHUTDOWN_GRACE_MS: '1000',
      OPENCODE_CONFIG_CONTENT: config,
    });
    workers.push(worker);
    await worker.waitFor(/opencode-api worker running/);
    return worker;
  };

  beforeAll(async () => {
    // OC_TEST_SKIP_BUILD=1 uses dist/ as it is, as the multi-process e2e does.
    if (process.env.OC_TEST_SKIP_BUILD !== '1') {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
    // Workers run from a private copy: a teammate's rebuild empties dist/ under running processes.
    dist = await snapshotDist();
    llm = await windowedLlm();
    config = JSON.stringify({
      provider: {
        fake: {
          npm: '@ai-sdk/openai-compatible',
          name: 'Fake',
          options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
          models: { 'tiny-model': { name: 'Tiny', limit: { context: 100_000, output: 1_500 } } },
        },
      },
      enabled_providers: ['fake'],
      model: 'fake/tiny-model',
      small_model: 'fake/tiny-model',
    });
    app = await startTestApp({ OPENCODE_CONFIG_CONTENT: config, WORKERS_IN_API: 'false', SANDBOX: 'off' });
    school = await createTenant(app.url, app.adminKey);
  }, 300_000);

  afterAll(async () => {
    sse?.close();
    for (const w of workers) await w.stop('SIGKILL', 1000).catch(() => undefined);
    await app?.close();
    await llm?.stop();
    if (dist) removeSnapshot(dist);
  });

  it('runs the job again on a new worker and writes one summary', async () => {
    const client = createOpencodeClient({ baseUrl: app.url, headers: { authorization: `Bearer ${school.admin.key}` } });
    const session = (await client.session.create({ body: { title: 'fault' } })).data!;
    for (let turn = 1; turn <= 3; turn++)
      await client.session.prompt({
        path: { id: session.id },
        body: { parts: [{ type: 'text', text: turnPrompt(turn) }] },
      });
    const stream = await SseClient.open(app.url, `/event?sessionID=${session.id}`, {
      headers: { authorization: `Bearer ${school.admin.key}` },
    });
    sse = stream;

    // The first summary request streams slowly (about 20 s), long enough to kill the worker mid-way.
    llm.enqueueWhen(isSummaryRequest, reply().text(SUMMARY_TEXT).usage({ input: 1000, output: 100 }).delay(150).stop());
    const first = await startWorker('worker-1');
    const summarize = client.session.summarize({
      path: { id: session.id },
      body: { providerID: 'fake', modelID: 'tiny-model' },
    });
    const summaryRequests = () => llm.requests.filter(isSummaryRequest).length;
    await waitUntil('the summary request to reach the LLM', summaryRequests, (n) => n > 0, { timeoutMs: 60_000 });
    expect(summaryRequests()).toBe(1);
    // Let part of the summary stream reach the database, then kill the worker outright.
    await stream.waitForType('message.part.delta', 20_000, (e: any) => e.properties.sessionID === session.id);
    await first.stop('SIGKILL', 1000);
    expect(first.exitSignal).toBe('SIGKILL');
    const partial = (await client.session.messages({ path: { id: session.id } })).data!.filter(
      (m) => (m.info as { summary?: unknown }).summary === true,
    );
    expect(partial).toHaveLength(1);
    expect((partial[0].info as { finish?: string }).finish).toBeUndefined();

    await startWorker('worker-2');
    const res = await summarize;
    expect(res.response.status).toBe(200);
    expect(res.data).toBe(true);
    expect(summaryRequests()).toBe(2);

    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    const summaries = messages.filter((m) => (m.info as { summary?: unknown }).summary === true);
    expect(summaries).toHaveLength(1);
    expect(summaries[0].info).toMatchObject({ finish: 'stop', agent: 'compaction' });
    expect(summaries[0].parts.filter((p) => p.type === 'text')).toEqual([
      expect.objectContaining({ text: SUMMARY_TEXT }),
    ]);
    expect(summaries[0].info.id).not.toBe(partial[0].info.id);
    const request = messages.find((m) => m.parts.some((p) => p.type === 'compaction'))!;
    expect((summaries[0].info as { parentID: string }).parentID).toBe(request.info.id);

    // BullMQ: the one job (deterministic id) completed with that summary, after being recovered from the stall.
    const queue = new Queue('session', { connection: redisOptions(app.redisUrl!) as never });
    try {
      const job = (await queue.getJob(compactionJobId(session.id, request.info.id)))!;
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toMatchObject({ summaryId: summaries[0].info.id });
      expect(await queue.getJobCounts('failed')).toEqual({ failed: 0 });
    } finally {
      await queue.close();
    }
    await stream.waitForType('session.compacted', 10_000, (e: any) => e.properties.sessionID === session.id);
    expect(
      stream.events.filter((e: any) => e.type === 'session.compacted' && e.properties.sessionID === session.id),
    ).toHaveLength(1);
    const final = (await client.session.get({ path: { id: session.id } })).data!;
    expect(final.time.compacting).toBeUndefined();
    stream.close();
  }, 240_000);
});
