import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sleep } from '../lib/time';
import { TOOL_FILE, TOOL_FILE_TEXT } from '../llm';

/**
 * `ours`: the embedded default (no DATABASE_URL, no REDIS_URL); `ours-pg`: on Postgres + Redis; `base`, `base-pg`:
 * the same two modes of another checkout (`--base DIR`, e.g. an older commit), measured in the same run.
 */
export type TargetName = 'opencode' | 'ours' | 'ours-pg' | 'base' | 'base-pg';

/** A running server under test. */
export interface Target {
  name: TargetName;
  label: string;
  baseUrl: string;
  /** Pid of the server process (its helpers are its descendants). */
  pid: number;
  headers: Record<string, string>;
  /** spawn → readiness line. */
  bootMs: number;
  notes: string[];
  stop(): Promise<void>;
  /**
   * Fills a session to `total` user messages without the API (the server is stopped, its store written, the
   * server started again, so `baseUrl` and `pid` change). Returns a note saying how. Only where the API is too
   * slow to seed within the run.
   */
  bulkSeed?(sessionId: string, total: number, text: (i: number) => string): Promise<string>;
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * The bench project both servers work in: the file the `read` scenario reads, in a git repository with one
 * commit, because OpenCode only snapshots (its main per-step cost) inside git projects.
 */
export function prepareProject(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, TOOL_FILE), TOOL_FILE_TEXT);
  if (fs.existsSync(path.join(dir, '.git'))) return;
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', '-c', 'commit.gpgsign=false', ...args], { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'bench project');
}

/** Polls `url` with short per-try timeouts until it answers 2xx (requests during boot can hang). */
export async function probe(url: string, headers: Record<string, string>, totalMs: number, tryMs = 2000): Promise<number> {
  const started = Date.now();
  let last = '';
  while (Date.now() - started < totalMs) {
    try {
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(tryMs) });
      await res.arrayBuffer();
      if (res.ok) return Date.now() - started;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(250);
  }
  throw new Error(`${url} did not answer 2xx within ${totalMs} ms (last: ${last})`);
}
