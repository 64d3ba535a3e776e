import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { FakeLlm } from '../../test/fakes/llm';
import { providerConfig } from '../llm';
import { freePort, startProcess } from '../lib/proc';
import { prepareProject, probe, tempDir, type Target } from './target';

const ROOT = path.join(__dirname, '..', '..');
const API_KEY = 'bench-admin-key-0123456789abcdef';

export interface OursStartOptions {
  llm: FakeLlm;
  build: boolean;
  keep: boolean;
  log: (line: string) => void;
}

/** `npm run build` (a no-op when dist is newer than src). A failed build falls back to the dist already there. */
function build(notes: string[], log: (line: string) => void): void {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  if (r.status === 0) return;
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-5).join(' | ');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'main.js'))) throw new Error(`npm run build failed and there is no dist/main.js: ${tail}`);
  const note = `npm run build failed (${tail}); measured the existing dist/ from ${fs.readFileSync(path.join(ROOT, 'dist', '.built'), 'utf8').trim() || 'an earlier build'}`;
  notes.push(note);
  log(note);
}

export async function startOurs(options: OursStartOptions): Promise<Target> {
  const notes: string[] = [];
  if (options.build) build(notes, options.log);
  const work = tempDir('bench-ours.');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    DATA_DIR: path.join(work, 'data'),
    BOOTSTRAP_API_KEY: API_KEY,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(providerConfig(options.llm)),
    LOG_LEVEL: process.env.BENCH_OURS_LOG_LEVEL ?? 'info',
  };
  delete env.OPENCODE_CONFIG;
  delete env.PORT;
  if (!env.DATABASE_URL) env.EMBEDDED_DB_MEMORY = 'true';
  notes.push(env.DATABASE_URL ? `Postgres ${env.REDIS_URL ? '+ Redis' : ''} from the caller's DATABASE_URL/REDIS_URL` : 'embedded in-memory Postgres (PGlite), no Redis');

  const port = await freePort();
  env.PORT = String(port);
  const started = Date.now();
  const proc = startProcess(process.execPath, [path.join(ROOT, 'dist', 'main.js')], { cwd: work, env, logFile: path.join(work, 'server.log') });
  const stop = async () => {
    await proc.stop();
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
    return { name: 'ours', label: 'opencode-api', baseUrl, pid: proc.pid, headers, bootMs, notes: [...notes, `work dir ${work}`], stop };
  } catch (err) {
    await proc.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)} (work dir kept: ${work})`);
  }
}
