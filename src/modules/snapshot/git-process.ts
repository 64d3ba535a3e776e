import { HostToolFailedError, HostToolTimeoutError, runHostTool } from '../../core/process/host-tool';
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

// Through host-tool's runner: binary-safe stdout, stdin for `cat-file --batch`, and a hard kill on timeout so a
// wedged git (NFS stall, huge repo) cannot hold the per-dir lock forever. Failures become SnapshotErrors.
export async function runGit(args: string[], options: GitRunOptions): Promise<GitRunResult> {
  try {
    return await runHostTool(options.binary, args, options);
  } catch (error) {
    if (error instanceof HostToolTimeoutError)
      throw new SnapshotError(`git ${args[0]} timed out after ${options.timeoutMs} ms`, SnapshotErrorCode.GitTimeout, {
        args,
      });
    if (error instanceof HostToolFailedError && error.exitCode !== null)
      throw new SnapshotError(
        `git ${gitVerb(args)} failed (${error.exitCode}): ${error.stderr.slice(0, 500)}`,
        SnapshotErrorCode.GitFailed,
        { args, exitCode: error.exitCode, stderr: error.stderr.slice(0, 2000) },
      );
    throw new SnapshotError(`git could not start: ${(error as Error).message}`, SnapshotErrorCode.GitFailed, { args });
  }
}

function gitVerb(args: string[]): string {
  return args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? 'command';
}
