import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OpencodeClient } from '@opencode-ai/sdk';
import { Queue, type Job } from 'bullmq';
import { redisOptions } from '../../../src/infra/queue/queue.backend';
import type { FakeLlm, RecordedRequest } from '../../fakes/llm';
import { NodeProcess } from '../../utils/node-process';
import { leaseRedisDb, type RedisLease } from '../../utils/redis-lease';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';
import { isSummaryRequest, isTitleRequest, promptTokens, turnPrompt, windowedLlm } from './compaction.helpers';

// The deployment shape for a long conversation: `node dist/main.js` (no workers) and `node dist/worker.js` on a
// private database and Redis index, a fake model with a small context window that reports each request's size
// (characters of the whole serialized request body / 4) as its input usage. Used by the worker fault spec and
// by `npm run bench:compaction`; both need DATABASE_URL and REDIS_URL and a built dist/ (run from a private copy).

export interface WindowOptions {
  context: number;
  output: number;
  /** `compaction.auto`; false runs the same conversation with compaction off. */
  auto: boolean;
  /** Extra environment for both processes (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
}

export interface WindowStack {
  url: string;
  key: string;
  llm: FakeLlm;
  api: NodeProcess;
  worker: NodeProcess;
  redisUrl: string;
  client: OpencodeClient;
  close(): Promise<void>;
}

export function windowConfig(llm: FakeLlm, options: WindowOptions): string {
  return JSON.stringify({
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
        models: {
          'tiny-model': { name: 'Tiny', tool_call: true, limit: { context: options.context, output: options.output } },
        },
      },
    },
    enabled_providers: ['fake'],
    model: 'fake/tiny-model',
    small_model: 'fake/tiny-model',
    compaction: { auto: options.auto },
  });
}

const ROOT = path.resolve(__dirname, '..', '..', '..');

/**
 * A private copy of dist/ (under the gitignored bench/.cache/) taken between two builds: teammates rebuild
 * dist/ in this checkout, which would pull files from under running processes. Returns its path from ROOT.
 */
export async function snapshotDist(): Promise<string> {
  const stamp = path.join(ROOT, 'dist', '.built');
  const read = () => (fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : undefined);
  const target = path.join('bench', '.cache', `window-${process.pid}-${randomBytes(3).toString('hex')}`);
  for (let attempt = 0; attempt < 120; attempt++) {
    const before = read();
    if (before !== undefined) {
      fs.rmSync(path.join(ROOT, target), { recursive: true, force: true });
      fs.cpSync(path.join(ROOT, 'dist'), path.join(ROOT, target, 'dist'), { recursive: true });
      if (read() === before) {
        // The migration runner and module resolution look next to dist/.
        for (const link of ['node_modules', 'prisma', 'prisma.config.ts', 'package.json'])
          fs.symlinkSync(path.join(ROOT, link), path.join(ROOT, target, link));
        return target;
      }
    }
    await new Promise((r) => setTimeout(r, 5000));
  }
  throw new Error('dist/ was being rebuilt for 10 minutes (no dist/.built stamp)');
}

export function removeSnapshot(copy: string): void {
  fs.rmSync(path.join(ROOT, copy), { recursive: true, force: true });
}

export async function startWindowStack(options: WindowOptions): Promise<WindowStack> {
  const redisBase = process.env.REDIS_URL;
  if (!process.env.DATABASE_URL || !redisBase)
    throw new Error('DATABASE_URL and REDIS_URL must be set (the API and the worker share them)');
  const llm = await windowedLlm();
  const key = `oc_window_${randomBytes(18).toString('base64url')}`;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-window-'));
  let database: TestDatabase | undefined;
  let lease: RedisLease | undefined;
  let copy: string | undefined;
  const started: NodeProcess[] = [];
  const close = async () => {
    for (const p of started.reverse()) await p.stop('SIGTERM', 10_000).catch(() => undefined);
    await llm.stop().catch(() => undefined);
    await database?.close().catch(() => undefined);
    await lease?.release().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (copy) removeSnapshot(copy);
  };
  try {
    copy = await snapshotDist();
    database = await createTestDatabase();
    lease = await leaseRedisDb(redisBase);
    const env = {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: database.url,
      REDIS_URL: lease.url,
      DATA_DIR: dataDir,
      BOOTSTRAP_API_KEY: key,
      WORKERS_IN_API: 'false',
      SANDBOX: 'off',
      SHUTDOWN_GRACE_MS: '1000',
      LOG_LEVEL: 'info',
      OPENCODE_CONFIG_CONTENT: windowConfig(llm, options),
      ...options.env,
    };
    const api = NodeProcess.start('api', path.join(copy, 'dist', 'main.js'), env);
    started.push(api);
    const [, url] = await api.waitFor(/"url":"([^"]+)"[^\n]*opencode-api listening/, 120_000);
    const worker = NodeProcess.start('worker', path.join(copy, 'dist', 'worker.js'), env);
    started.push(worker);
    await worker.waitFor(/opencode-api worker running/, 120_000);
    // ESM-only SDK, loaded dynamically so tsx (the bench) can run this CommonJS module too.
    const { createOpencodeClient } = await import('@opencode-ai/sdk');
    const client = createOpencodeClient({ baseUrl: url, headers: { authorization: `Bearer ${key}` } });
    return { url, key, llm, api, worker, redisUrl: lease.url, client, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What the fake model received, measured per request as characters of the serialized body / 4. */
export class WindowStats {
  requests = 0;
  chat = 0;
  summaries = 0;
  titles = 0;
  totalTokens = 0;
  largest = 0;
  overWindow = 0;

  constructor(readonly context: number) {}

  add(requests: RecordedRequest[]): void {
    for (const r of requests) {
      const tokens = promptTokens(r);
      this.requests++;
      if (isSummaryRequest(r)) this.summaries++;
      else if (isTitleRequest(r)) this.titles++;
      else this.chat++;
      this.totalTokens += tokens;
      this.largest = Math.max(this.largest, tokens);
      if (tokens >= this.context) this.overWindow++;
    }
  }
}

/**
 * Runs `turns` synchronous prompts in one new session and measures every request the model received. Recorded
 * requests are dropped as they are counted: without compaction they add up to tens of megabytes.
 */
export async function runConversation(
  stack: WindowStack,
  turns: number,
  options: { context: number; onTurn?: (turn: number) => void },
): Promise<{ sessionId: string; stats: WindowStats; errors: string[] }> {
  const stats = new WindowStats(options.context);
  const errors: string[] = [];
  const session = (await stack.client.session.create({ body: {} })).data!;
  stack.llm.requests.length = 0;
  for (let turn = 1; turn <= turns; turn++) {
    const res = await stack.client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: 'text', text: turnPrompt(turn) }] },
    });
    // The answer to the turn: after a compaction the loop went on, so never the summary or an error.
    const info = res.data?.info as { role?: string; summary?: boolean; error?: { name: string } } | undefined;
    if (res.response.status !== 200 || info?.role !== 'assistant' || info.summary || info.error)
      errors.push(
        `turn ${turn}: HTTP ${res.response.status} ${info?.summary ? 'summary' : (info?.error?.name ?? '')}`.trim(),
      );
    stats.add(stack.llm.requests.splice(0));
    options.onTurn?.(turn);
  }
  // A title job may still be running on the worker.
  await new Promise((r) => setTimeout(r, 500));
  stats.add(stack.llm.requests.splice(0));
  return { sessionId: session.id, stats, errors };
}

/** A session's compaction jobs that BullMQ finished; each result names the process that ran it (`workerPid`). */
export async function compactionJobs(stack: WindowStack, sessionId: string): Promise<Job[]> {
  const queue = new Queue('session', { connection: redisOptions(stack.redisUrl) as never });
  try {
    return (await queue.getJobs(['completed', 'failed'])).filter(
      (j) => j.name === 'session.compaction' && j.data.sessionId === sessionId,
    );
  } finally {
    await queue.close();
  }
}
