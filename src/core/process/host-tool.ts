import { spawn, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * The server's own helper binaries, run on the host outside the command sandbox with argv the server builds and
 * validates (object ids, paths inside the workspace, `--end-of-options`). Everything a user asks to run goes
 * through the sandbox module's SandboxRunner instead; src/modules/sandbox/spawn-door.spec.ts keeps those two the
 * only places that start processes.
 */
export const HOST_TOOLS: readonly string[] = ['git', 'rg', 'find'];

export class HostToolError extends Error {}

export interface HostToolOptions {
  cwd?: string;
  /** Complete: nothing is inherited from the server's environment. */
  env: Record<string, string>;
}

export function spawnHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolOptions & { stdin: 'ignore' },
): ChildProcessByStdio<null, Readable, Readable>;
export function spawnHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolOptions & { stdin?: 'pipe' },
): ChildProcessWithoutNullStreams;
export function spawnHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolOptions & { stdin?: 'pipe' | 'ignore' },
) {
  if (!HOST_TOOLS.includes(basename(binary)))
    throw new HostToolError(
      `${binary} is not one of the host tools (${HOST_TOOLS.join(', ')}); commands run in the sandbox`,
    );
  return spawn(binary, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
  });
}

export interface HostToolRunOptions extends HostToolOptions {
  /** Hard limit: the process is SIGKILLed past it, whatever it is blocked on (a FIFO, a stalled mount). */
  timeoutMs: number;
  input?: Buffer | string;
  /** Exit codes that are not failures (e.g. 1 for `find` over a folder that vanished mid-walk). */
  okCodes?: number[];
}

export interface HostToolRunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

export class HostToolTimeoutError extends HostToolError {
  constructor(
    readonly args: readonly string[],
    readonly timeoutMs: number,
  ) {
    super(`${args[0] ?? 'host tool'} timed out after ${timeoutMs} ms`);
  }
}

export class HostToolFailedError extends HostToolError {
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/**
 * Runs a host tool to completion with a hard timeout: binary-safe stdout, optional stdin, and SIGKILL when the
 * time is up, so a tool blocked on something in a student's workspace cannot hold a request (or a lock) forever.
 */
export function runHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolRunOptions,
): Promise<HostToolRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawnHostTool(binary, args, { cwd: options.cwd, env: options.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    // The tool may exit before reading all of stdin; the exit code tells the real story.
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new HostToolFailedError(`${basename(binary)} could not start: ${error.message}`, args, null, ''));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (timedOut) return reject(new HostToolTimeoutError(args, options.timeoutMs));
      const exit = code ?? -1;
      if (exit !== 0 && !(options.okCodes ?? []).includes(exit))
        return reject(
          new HostToolFailedError(
            `${basename(binary)} failed (${signal ?? exit}): ${stderr.slice(0, 500)}`,
            args,
            exit,
            stderr,
          ),
        );
      resolve({ stdout: Buffer.concat(out), stderr, code: exit });
    });
    child.stdin.end(options.input ?? '');
  });
}
