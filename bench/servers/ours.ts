import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { FakeLlm } from '../../test/fakes/llm';
import { providerConfig } from '../llm';
import { freePort, startProcess } from '../lib/proc';
import { sleep } from '../lib/time';
import { leaseRedisDb, type RedisLease } from '../../test/utils/redis-lease';
import { prepareProject, probe, tempDir, type Target } from './target';

const ROOT = path.join(__dirname, '..', '..');
const API_KEY = 'bench-admin-key-0123456789abcdef';

export interface OursStartOptions {
  llm: FakeLlm;
  build: boolean;
  keep: boolean;
  log: (line: string) => void;
  /** Unset: the embedded default (a throwaway embedded PostgreSQL, no Redis). */
  postgres?: { databaseUrl: string; redisUrl?: string };
  /** `--ours-env`, or extra settings such as NODE_OPTIONS: set last, so they can override the bench's own limits. */
  env?: Record<string, string>;
  /** Another checkout of this project to run (its dist/, migrations and node_modules); default this one. */
  root?: string;
  /** `base`: that other checkout, as targets `base` and `base-pg`. */
  name?: 'ours' | 'base';
  /** Folder under bench/.cache for the copy of dist/ (default the name): two runs at once need two. */
  cache?: string;
}

/** A `nest build` of this checkout running now (anyone's). */
function buildRunning(checkout: string): boolean {
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes(path.join(checkout, 'node_modules', '@nestjs', 'cli')) && cmd.includes('build')) return true;
    } catch {
      // gone
    }
  }
  return false;
}

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

function gitHead(checkout: string): string {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: checkout, encoding: 'utf8' }).stdout?.trim();
  return `${r.stdout?.trim() || '?'}${dirty ? ' (+ uncommitted changes in src/)' : ''}`;
}

/** `npm run build` (a no-op when dist is newer than src). A failed build falls back to the dist already there. */
function build(checkout: string, notes: string[], log: (line: string) => void): void {
  // No stamp means a build is running in this checkout right now; a second one would empty dist/ under it.
  if (fs.existsSync(path.join(checkout, 'dist')) && !fs.existsSync(path.join(checkout, 'dist', '.built'))) return;
  const r = spawnSync(process.execPath, [path.join(checkout, 'scripts', 'build.cjs')], { cwd: checkout, encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0) return;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
  if (!fs.existsSync(path.join(checkout, 'dist', 'main.js'))) throw new Error(`npm run build failed and there is no dist/main.js: ${tail}`);
  const note = `npm run build failed (${tail}); measured the existing dist/ from ${fs.readFileSync(path.join(checkout, 'dist', '.built'), 'utf8').trim() || 'an earlier build'}`;
  notes.push(note);
  log(note);
}


/**
 * Copies dist/ into bench/.cache/ours/dist and runs that copy, so a teammate's rebuild (which empties dist/)
 * cannot pull files from under the running server. node_modules, prisma/ and the config are linked back to
 * the checkout, where the migration runner and module resolution expect them.
 */
async function snapshotDist(
  checkout: string,
  cache: string,
  log: (line: string) => void,
  // BENCH_OURS_DIST: measure another build (e.g. a saved copy of main's dist/ for a before/after pair).
  dist = path.join(checkout, 'dist'),
): Promise<{ main: string; builtAt: string }> {
  const SNAPSHOT = path.join(__dirname, '..', '.cache', cache);
  const stamp = path.join(dist, '.built');
  for (let attempt = 0; attempt < 60; attempt++) {
    let before = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : undefined;
    // A build that reported type errors still emits dist/ but writes no stamp; once nothing has changed for a
    // while, measure what it emitted rather than nothing.
    if (before === undefined && !buildRunning(checkout) && fs.existsSync(path.join(dist, 'main.js')) && Date.now() - newestMtime(dist) > 30_000) {
      before = `(no build stamp: the last build reported errors; files emitted ${new Date(newestMtime(dist)).toISOString()})`;
    }
    if (before === undefined) {
      if (attempt === 0) log('dist/ is being rebuilt (no dist/.built); waiting for it');
      await sleep(5000);
      continue;
    }
    fs.rmSync(path.join(SNAPSHOT, 'dist'), { recursive: true, force: true });
    fs.mkdirSync(SNAPSHOT, { recursive: true });
    fs.cpSync(dist, path.join(SNAPSHOT, 'dist'), { recursive: true });
    const after = fs.existsSync(stamp) ? fs.readFileSync(stamp, 'utf8') : undefined;
    if (buildRunning(checkout) || (after !== before && !(after === undefined && Date.now() - newestMtime(dist) > 30_000))) continue; // rebuilt while copying
    for (const link of ['node_modules', 'prisma', 'prisma.config.ts', 'package.json']) {
      const at = path.join(SNAPSHOT, link);
      if (!fs.existsSync(at) && fs.existsSync(path.join(checkout, link))) fs.symlinkSync(path.join(checkout, link), at);
    }
    return { main: path.join(SNAPSHOT, 'dist', 'main.js'), builtAt: before.trim() };
  }
  throw new Error('dist/ stayed incomplete for 5 minutes');
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

/** `npm run db:migrate` on the caller's database (embedded mode migrates at boot; a real database does not). */
function migrate(checkout: string, env: NodeJS.ProcessEnv): void {
  const r = spawnSync(process.execPath, [path.join(checkout, 'scripts', 'prisma.cjs'), 'migrate', 'deploy'], { cwd: checkout, env, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`prisma migrate deploy failed: ${`${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ')}`);
}

export async function startOurs(options: OursStartOptions): Promise<Target> {
  const notes: string[] = [];
  const root = options.root ?? ROOT;
  const base = options.name ?? 'ours';
  const otherDist = options.root ? undefined : process.env.BENCH_OURS_DIST;
  if (options.build && !otherDist) build(root, notes, options.log);
  const { main, builtAt } = await snapshotDist(root, options.cache ?? (otherDist ? `${base}-alt` : base), options.log, otherDist);
  notes.push(
    otherDist
      ? `dist from BENCH_OURS_DIST=${otherDist}, built ${builtAt}`
      : `dist/ built ${builtAt}, commit ${gitHead(root)}${options.root ? ` (checkout ${root})` : ''}`,
  );
  const work = tempDir('bench-ours.');
  let redisLease: RedisLease | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATA_DIR: path.join(work, 'data'),
    BOOTSTRAP_API_KEY: API_KEY,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(providerConfig(options.llm)),
    LOG_LEVEL: process.env.BENCH_OURS_LOG_LEVEL ?? 'info',
    // The bench drives everything through one key: lift the per-user abuse limits (requests per minute, the
    // fan-out's 1000 streams) to the platform's ceiling, or the limiter would be what gets measured.
    LIMIT_REQUESTS_PER_MINUTE: '100000',
    LIMIT_SSE_CONNECTIONS_PER_USER: '10000',
  };
  delete env.OPENCODE_CONFIG;
  delete env.PORT;
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  if (options.postgres) {
    env.DATABASE_URL = options.postgres.databaseUrl;
    // A database index of its own, leased like the tests' (test/utils/redis-lease.ts): BullMQ's queues are global
    // within an index, and a bench server sharing one with a test run (or another bench) takes its jobs.
    // BENCH_REDIS_DBS=12,13: lease among these indexes only (others may be in use by servers started by hand).
    const only = (process.env.BENCH_REDIS_DBS ?? '').split(',').filter(Boolean).map(Number);
    redisLease = options.postgres.redisUrl ? await leaseRedisDb(options.postgres.redisUrl, only) : undefined;
    if (redisLease) env.REDIS_URL = redisLease.url;
    migrate(root, env);
    notes.push(`Postgres${env.REDIS_URL ? ' + Redis' : ''} (${redact(env.DATABASE_URL)}${env.REDIS_URL ? `, ${env.REDIS_URL}` : ''}), workers in the API process`);
    // One process, as the embedded mode, so both modes compare like for like; production runs `npm run worker` too.
    env.WORKERS_IN_API = 'true';
  } else {
    env.EMBEDDED_DB_MEMORY = 'true';
    notes.push('embedded PostgreSQL (a throwaway cluster, EMBEDDED_DB_MEMORY), no Redis: the `npm start` default');
  }

  const extra = Object.entries(options.env ?? {});
  for (const [k, v] of extra) env[k] = v;
  if (extra.length) notes.push(`--ours-env ${extra.map(([k, v]) => `${k}=${v}`).join(',')}`);
  const port = await freePort();
  env.PORT = String(port);
  // BENCH_OURS_NODE_ARGS: node flags for our server only (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
  const nodeArgs = (process.env.BENCH_OURS_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // Each mode as it is deployed: on Postgres + Redis the young generation the image gives the server (Dockerfile
  // NODE_OPTIONS), embedded V8's default as `npm start` runs it; BENCH_OURS_NODE_ARGS may name another size.
  if (env.DATABASE_URL && !nodeArgs.some((a) => a.startsWith('--max-semi-space-size')))
    nodeArgs.unshift('--max-semi-space-size=64');
  notes.push(`node ${nodeArgs.join(' ')}`);
  // BENCH_OURS_NODE: another Node binary for our server only (e.g. Node 24, what the image runs; the bench stays on its own).
  const nodeBin = process.env.BENCH_OURS_NODE || process.execPath;
  if (nodeBin !== process.execPath) notes.push(`server on ${nodeBin}`);
  const started = Date.now();
  const proc = startProcess(nodeBin, [...nodeArgs, main], { cwd: work, env, logFile: path.join(work, 'server.log') });
  const stop = async () => {
    // A profiling run needs a clean exit to write its profile: give the shutdown time under load.
    await proc.stop(nodeArgs.some((a) => a.startsWith('--cpu-prof')) ? 60_000 : undefined);
    await redisLease?.release();
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `Bearer ${API_KEY}` };
  try {
    await proc.waitForLine(/opencode-api listening/, 180_000);
    const bootMs = Date.now() - started;
    await probe(`${baseUrl}/global/health`, {}, 30_000);
    // The same project files OpenCode gets, in the worktree of the default project.
    const res = await fetch(`${baseUrl}/path`, { headers, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET /path: HTTP ${res.status}`);
    const paths = (await res.json()) as { worktree?: string; directory?: string };
    const worktree = paths.worktree ?? paths.directory;
    if (worktree) prepareProject(worktree);
    else notes.push('GET /path named no worktree; the read-tool scenario has no hello.txt');
    const name = options.postgres ? (`${base}-pg` as const) : base;
    const who = options.root ? `opencode-api ${gitHead(root).split(' ')[0]}` : 'opencode-api';
    const label = options.postgres ? `${who} (Postgres + Redis)` : `${who} (embedded)`;
    return { name, label, baseUrl, pid: proc.pid, headers, bootMs, notes: [...notes, `work dir ${work}`], stop };
  } catch (err) {
    await proc.stop();
    await redisLease?.release();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (work dir kept: ${work})`);
  }
}
