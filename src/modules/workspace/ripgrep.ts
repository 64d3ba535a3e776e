import { spawnHostTool } from '../../core/process/host-tool';
import { accessSync, constants } from 'node:fs';

const CANDIDATES = ['/usr/bin/rg', '/usr/local/bin/rg', '/opt/homebrew/bin/rg'];

/** Absolute path of an executable ripgrep, looked up in fixed places (never via PATH from the env). */
export function findRipgrep(candidates: readonly string[] = CANDIDATES): string | undefined {
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

export interface RipgrepRun {
  stdout: string;
  stderr: string;
  /** 0 = matches, 1 = none, 2 = error (possibly with partial results). */
  code: number | null;
  /** Output passed `maxBytes` and the process was stopped early. */
  truncated: boolean;
}

export interface RipgrepOptions {
  cwd: string;
  signal?: AbortSignal;
  maxBytes?: number;
  timeoutMs?: number;
}

/**
 * Runs ripgrep with an empty environment and `--no-config`: RIPGREP_CONFIG_PATH or an inherited config
 * could otherwise add `--follow` and walk symlinks out of the workspace.
 */
export function runRipgrep(rgPath: string, args: string[], opts: RipgrepOptions): Promise<RipgrepRun> {
  const maxBytes = opts.maxBytes ?? 20 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(abortError());
    const child = spawnHostTool(rgPath, ['--no-config', ...args], { cwd: opts.cwd, env: {}, stdin: 'ignore' });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let aborted = false;
    const stop = () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(stop, opts.timeoutMs ?? 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (truncated) return;
      size += chunk.length;
      out.push(chunk);
      if (size > maxBytes) {
        truncated = true;
        stop();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (err.length < 64) err.push(chunk);
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (aborted) return reject(abortError());
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        truncated,
      });
    });
  });
}

function abortError(): Error {
  const e = new Error('Aborted');
  e.name = 'AbortError';
  return e;
}
