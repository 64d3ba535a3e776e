import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { migrateDeploy } from '../../src/infra/database/migrate';
import { FakeLlm, isTitleRequest, reply, type RecordedRequest } from '../fakes/llm';
import { request, type HttpResult } from '../utils/http';
import { buildDist, NodeProcess, startApiProcess, startWorkerProcess } from '../utils/node-process';
import { leaseRedisDb, testRedisUrl } from '../utils/redis-lease';
import { SseClient } from '../utils/sse-client';
import { createTestDatabase } from '../utils/test-database';
import { waitUntil } from '../utils/wait-until';

// Building blocks of the multi-process fault specs: the built API and worker as child processes, and private
// Redis / Postgres servers a spec may kill and restart without touching the shared ones other tests use.

const ROOT = path.resolve(__dirname, '..', '..');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export { buildDist };

/**
 * A private copy of dist/ next to it (same depth, so paths relative to the project root still hold), taken once the
 * build is complete: specs keep running the code they started with while someone else rebuilds dist/.
 */
export async function snapshotDist(): Promise<string> {
  const dist = path.join(ROOT, 'dist');
  const stamp = path.join(dist, '.built');
  for (let attempt = 0; attempt < 240; attempt++) {
    const built = fs.existsSync(stamp) ? fs.statSync(stamp).mtimeMs : 0;
    if (built && fs.existsSync(path.join(dist, 'main.js')) && fs.existsSync(path.join(dist, 'worker.js'))) {
      const name = `.fault-dist-${process.pid}-${randomBytes(3).toString('hex')}`;
      try {
        fs.cpSync(dist, path.join(ROOT, name), { recursive: true });
        if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs === built) return name;
      } catch {
        // dist/ changed under the copy: try again
      }
      fs.rmSync(path.join(ROOT, name), { recursive: true, force: true });
    }
    await sleep(500);
  }
  throw new Error('dist/ is not built (no dist/.built): run `npm run build`');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** OPENCODE_CONFIG_CONTENT with one fake OpenAI-compatible provider as both model and small model. */
export function fakeLlmConfig(llm: FakeLlm): string {
  return JSON.stringify({
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
        models: { 'fake-model': { name: 'Fake', tool_call: true, limit: { context: 128000, output: 4096 } } },
      },
    },
    enabled_providers: ['fake'],
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
  });
}

export { isTitleRequest };

/** The text of the last user turn an LLM request carries (OpenAI chat wire). */
export function lastUserText(r: RecordedRequest): string {
  const users = ((r.body?.messages ?? []) as { role: string; content: unknown }[]).filter((m) => m.role === 'user');
  const content = users[users.length - 1]?.content;
  if (typeof content === 'string') return content;
  return ((content ?? []) as { type: string; text?: string }[]).map((c) => c.text ?? '').join('');
}

/** Answers every loop request with `answer: <last user text>` and every title request with a short title. */
export function echoReply(r: RecordedRequest) {
  return isTitleRequest(r)
    ? reply().text('Echo title').stop()
    : reply()
        .text(`answer: ${lastUserText(r)}`)
        .stop();
}

export interface StackEnv {
  /** The built code to run, relative to the project root (default `dist`). */
  dist?: string;
  databaseUrl: string;
  redisUrl?: string;
  dataDir: string;
  adminKey: string;
  config: string;
  extra?: Record<string, string>;
}

function envOf(s: StackEnv): Record<string, string> {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: s.databaseUrl,
    ...(s.redisUrl ? { REDIS_URL: s.redisUrl } : {}),
    DATA_DIR: s.dataDir,
    LOG_LEVEL: 'info',
    SANDBOX: 'off',
    SHUTDOWN_GRACE_MS: '1000',
    BOOTSTRAP_API_KEY: s.adminKey,
    OPENCODE_CONFIG_CONTENT: s.config,
    ...(s.extra ?? {}),
  };
}

/** `node dist/main.js` of this stack on a free port (or `port`); resolves once it logs its URL. */
export function startStackApi(name: string, s: StackEnv, port = 0): Promise<{ proc: NodeProcess; url: string }> {
  return startApiProcess(name, { ...envOf(s), PORT: String(port) }, { script: `${s.dist ?? 'dist'}/main.js` });
}

/** `node dist/worker.js` of this stack; resolves once its workers run. */
export function startStackWorker(name: string, s: StackEnv): Promise<NodeProcess> {
  return startWorkerProcess(name, envOf(s), { script: `${s.dist ?? 'dist'}/worker.js` });
}

/** A request that never hangs: a timeout becomes status 0 with `elapsed` set, so the caller can assert on it. */
export async function boundedRequest(
  base: string,
  method: string,
  route: string,
  opts: { key?: string; body?: unknown } = {},
  timeoutMs = 20_000,
): Promise<HttpResult & { elapsed: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HttpResult>(
    (resolve) =>
      (timer = setTimeout(
        () => resolve({ status: 0, body: undefined, text: 'timeout', headers: new Headers() }),
        timeoutMs,
      )),
  );
  const res = await Promise.race([
    request(base, method, route, opts).catch(
      (err) => ({ status: -1, body: undefined, text: String(err), headers: new Headers() }) as HttpResult,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  return { ...res, elapsed: Date.now() - started };
}

/** Polls until `fn` returns a truthy value (returned), or throws after `timeoutMs` with the last value seen. */
export function eventually<T>(what: string, fn: () => Promise<T>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  return waitUntil(what, fn, (value) => Boolean(value), { timeoutMs, everyMs });
}

/** A child process whose output is kept; `stop()` kills it by its own pid. */
class ServerProcess {
  output = '';
  private exited: Promise<void>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d) => (this.output += d));
    child.stderr?.on('data', (d) => (this.output += d));
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }
  async waitFor(re: RegExp, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!re.test(this.output)) {
      if (this.child.exitCode !== null) throw new Error(`server exited early:\n${this.output.slice(-3000)}`);
      if (Date.now() > deadline)
        throw new Error(`server: no ${re} within ${timeoutMs} ms:\n${this.output.slice(-3000)}`);
      await sleep(50);
    }
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }
}

/** A private `redis-server` (no persistence: a restart loses every key, as a crashed cache would). */
export class PrivateRedis {
  private proc?: ServerProcess;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port. */
  async restart(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--databases', '4'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.proc = new ServerProcess(child);
    await this.proc.waitFor(/Ready to accept connections/, 20_000);
  }

  /** SIGKILL: connections drop at once, nothing is flushed. */
  async kill(): Promise<void> {
    await this.proc?.kill('SIGKILL');
  }
}

const PG_BIN = (() => {
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs.readdirSync(base).filter((v) => fs.existsSync(path.join(base, v, 'bin', 'initdb')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0], 'bin') : undefined;
})();

/** A private Postgres cluster in a temporary folder (run as the `postgres` user when the tests run as root). */
export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static available(): boolean {
    return !!PG_BIN;
  }

  static async start(): Promise<PrivatePostgres> {
    if (!PG_BIN) throw new Error('no Postgres binaries under /usr/lib/postgresql');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-fault-pg-'));
    if (process.getuid?.() === 0) spawnSync('chown', ['postgres:postgres', dir]);
    const pg = new PrivatePostgres(await freePort(), dir);
    await pg.run('initdb', [
      '-D',
      pg.dataDir,
      '-A',
      'trust',
      '-U',
      'postgres',
      '-E',
      'UTF8',
      '--no-sync',
      '--no-instructions',
    ]);
    await pg.restart();
    return pg;
  }

  get dataDir(): string {
    return path.join(this.dir, 'data');
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async restart(): Promise<void> {
    const opts = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
    await this.run('pg_ctl', [
      '-D',
      this.dataDir,
      '-l',
      path.join(this.dir, 'log'),
      '-w',
      '-t',
      '60',
      '-o',
      opts,
      'start',
    ]);
  }

  /** `pg_ctl stop -m fast`: open transactions roll back, every connection is terminated. */
  async stopFast(): Promise<void> {
    await this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  async migrate(): Promise<void> {
    await migrateDeploy(this.url, ROOT);
  }

  async destroy(): Promise<void> {
    if (fs.existsSync(path.join(this.dataDir, 'postmaster.pid')))
      spawnSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), { encoding: 'utf8' });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private command(bin: string, args: string[]): [string, string[]] {
    const exe = path.join(PG_BIN!, bin);
    return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  }

  /** Asynchronous, so the test's own sockets (SSE clients, requests in flight) keep running meanwhile. */
  private run(bin: string, args: string[]): Promise<void> {
    const [cmd, argv] = this.command(bin, args);
    const child = spawn(cmd, argv, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    return new Promise((resolve, reject) =>
      child.once('exit', (code) => {
        if (code === 0) return resolve();
        const log = path.join(this.dir, 'log');
        reject(
          new Error(
            `${bin} ${args.join(' ')} failed (${code}):\n${out}\n${fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-3000) : ''}`,
          ),
        );
      }),
    );
  }
}

export interface ProbeResult {
  /** `METHOD /route` with session ids replaced by `:id`. */
  route: string;
  status: number;
  elapsed: number;
  body: unknown;
}

/** Requests made while a backing service is down, each bounded in time and recorded for the assertions. */
export class OutageProbe {
  readonly seen: ProbeResult[] = [];

  constructor(
    private readonly base: string,
    private readonly key: string,
    private readonly timeoutMs: number,
  ) {}

  async call(method: string, route: string, body?: unknown, key = this.key): Promise<HttpResult & { elapsed: number }> {
    const res = await boundedRequest(this.base, method, route, { key, body }, this.timeoutMs);
    this.seen.push({
      route: `${method} ${route.replace(/ses_\w+/, ':id')}`,
      status: res.status,
      elapsed: res.elapsed,
      body: res.body,
    });
    return res;
  }

  /** Logs every answer; with any status other than 2xx/503, also the server's error log lines. */
  report(what: string, server: NodeProcess): void {
    console.log(
      `${what}: ${this.seen.length} requests: ${this.seen.map((s) => `${s.route} → ${s.status} (${s.elapsed} ms)`).join(', ')}`,
    );
    if (this.seen.some((s) => s.status >= 300 && s.status !== 503))
      console.log(
        server.output
          .split('\n')
          .filter((l) => /"level":50/.test(l))
          .join('\n')
          .slice(0, 6000),
      );
  }
}

/** An `/event` subscriber that has received its `server.connected` frame. */
export async function openEvents(url: string, key: string, lastEventId?: string): Promise<SseClient> {
  const sse = await SseClient.open(url, '/event', { key, lastEventId });
  await sse.waitForType('server.connected');
  return sse;
}

/** CPU seconds (user + system) a process has used so far, from /proc (0 where there is no /proc). */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * What every fault spec starts from: a fake LLM answering with `echoReply`, a database (a fresh copy of the test
 * template unless `databaseUrl` is given), Redis (a leased database index of REDIS_URL with `redis: 'lease'`, a
 * given URL, or none), a data folder and the bootstrap administrator's key. `close()` undoes it all.
 */
export class FaultBase {
  private constructor(
    readonly llm: FakeLlm,
    readonly databaseUrl: string,
    readonly redisUrl: string | undefined,
    readonly dataDir: string,
    readonly adminKey: string,
    readonly dist: string,
    private readonly cleanups: (() => Promise<unknown>)[],
  ) {}

  static async start(opts: { databaseUrl?: string; redis?: 'lease' | string } = {}): Promise<FaultBase> {
    buildDist();
    const cleanups: (() => Promise<unknown>)[] = [];
    const dist = await snapshotDist();
    cleanups.push(async () => fs.rmSync(path.join(ROOT, dist), { recursive: true, force: true }));
    const llm = await FakeLlm.start({ chunkDelayMs: 0, defaultReply: echoReply });
    cleanups.push(() => llm.stop());
    let databaseUrl = opts.databaseUrl;
    if (!databaseUrl) {
      const db = await createTestDatabase();
      cleanups.push(() => db.close());
      databaseUrl = db.url;
    }
    let redisUrl = opts.redis === 'lease' ? undefined : opts.redis;
    if (opts.redis === 'lease' && testRedisUrl()) {
      const lease = await leaseRedisDb(testRedisUrl()!);
      cleanups.push(() => lease.release());
      redisUrl = lease.url;
    }
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-fault-'));
    cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
    return new FaultBase(
      llm,
      databaseUrl,
      redisUrl,
      dataDir,
      `oc_fault_${randomBytes(12).toString('hex')}`,
      dist,
      cleanups,
    );
  }

  /** The environment of an API or worker process on this base. */
  stack(extra: Record<string, string> = {}): StackEnv {
    return {
      dist: this.dist,
      databaseUrl: this.databaseUrl,
      redisUrl: this.redisUrl,
      dataDir: this.dataDir,
      adminKey: this.adminKey,
      config: fakeLlmConfig(this.llm),
      // Fault specs drive hundreds of requests as one user (500 concurrent prompts); the per-user request limit has
      // its own spec (abuse-limits.e2e-spec.ts) and would answer them 429 here.
      extra: { LIMIT_REQUESTS_PER_MINUTE: '100000', ...extra },
    };
  }

  /** Stops the given processes (SIGTERM, then SIGKILL after 5 s), then releases everything `start` made. */
  async close(...procs: (NodeProcess | undefined)[]): Promise<void> {
    await Promise.all(procs.map((p) => p?.stop('SIGTERM', 5000)));
    for (const fn of this.cleanups.reverse()) await fn().catch(() => undefined);
  }
}
