import { spawnHostTool } from '../../core/process/host-tool';
import { SnapshotError, SnapshotErrorCode } from './snapshot.errors';

export interface GitRunOptions {
  binary: string;
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  input?: Buffer | string;
  /** Exit codes that are not failures (e.g. 1 for `diff --exit-code`). */
  okCodes?: number[];
}

export interface GitRunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

// A thin spawn wrapper: binary-safe stdout, stdin support for `cat-file --batch`, and a hard kill on
// timeout so a wedged git (NFS stall, huge repo) cannot hold the per-dir lock forever.
export function runGit(args: string[], options: GitRunOptions): Promise<GitRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnHostTool(options.binary, args, { cwd: options.cwd, env: options.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // git may exit before reading all of stdin; the exit code tells the real story.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new SnapshotError(`git could not start: ${error.message}`, SnapshotErrorCode.GitFailed, { args }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (timedOut) {
        reject(
          new SnapshotError(`git ${args[0]} timed out after ${options.timeoutMs} ms`, SnapshotErrorCode.GitTimeout, {
            args,
          }),
        );
        return;
      }
      const exit = code ?? -1;
      if (exit !== 0 && !(options.okCodes ?? []).includes(exit)) {
        reject(
          new SnapshotError(
            `git ${gitVerb(args)} failed (${signal ?? exit}): ${stderr.slice(0, 500)}`,
            SnapshotErrorCode.GitFailed,
            {
              args,
              exitCode: exit,
              stderr: stderr.slice(0, 2000),
            },
          ),
        );
        return;
      }
      resolve({ stdout: Buffer.concat(out), stderr, code: exit });
    });
    child.stdin.end(options.input ?? '');
  });
}

function gitVerb(args: string[]): string {
  return args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? 'command';
}
