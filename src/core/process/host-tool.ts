import {
  spawn,
  type ChildProcess,
  type ChildProcessByStdio,
  type ChildProcessWithoutNullStreams,
} from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { HOST_TOOL_HELPER_SOURCE, type HelperReply, type HelperRequest } from './host-tool-helper';

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
 * The tool is started by the host-tool helper (host-tool-helper.ts: a start from this process holds its event loop);
 * where the helper cannot run, from this process.
 */
export function runHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolRunOptions,
): Promise<HostToolRunResult> {
  if (!HOST_TOOLS.includes(basename(binary))) return runHere(binary, args, options);
  const request = { binary, args: [...args], cwd: options.cwd, env: options.env, timeoutMs: options.timeoutMs };
  const sent = helper.run(options.input === undefined ? request : { ...request, input: options.input });
  if (!sent) return runHere(binary, args, options);
  return sent.then((reply) => {
    if (reply.startError !== undefined)
      throw new HostToolFailedError(`${basename(binary)} could not start: ${reply.startError}`, args, null, '');
    const out = reply.stdout ?? new Uint8Array();
    const stdout = Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    return outcome(binary, args, options, { ...reply, stdout, stderr: reply.stderr ?? '' });
  });
}

/** A finished run as runHostTool answers it: the timeout, a failing exit code, or the output. */
function outcome(
  binary: string,
  args: readonly string[],
  options: HostToolRunOptions,
  run: { stdout: Buffer; stderr: string; code?: number | null; signal?: string | null; timedOut?: boolean },
): HostToolRunResult {
  const stderr = run.stderr.trim();
  if (run.timedOut) throw new HostToolTimeoutError(args, options.timeoutMs);
  const exit = run.code ?? -1;
  if (exit !== 0 && !(options.okCodes ?? []).includes(exit))
    throw new HostToolFailedError(
      `${basename(binary)} failed (${run.signal ?? exit}): ${stderr.slice(0, 500)}`,
      args,
      exit,
      stderr,
    );
  return { stdout: run.stdout, stderr, code: exit };
}

/** runHostTool from this process (no helper). */
function runHere(binary: string, args: readonly string[], options: HostToolRunOptions): Promise<HostToolRunResult> {
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
      const run = { stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), code, signal, timedOut };
      try {
        resolve(outcome(binary, args, options, run));
      } catch (error) {
        reject(error as Error);
      }
    });
    child.stdin.end(options.input ?? '');
  });
}

/**
 * The helper process (started at the first run, again after it exits). Its channel holds this process open only
 * while runs are waiting for their answers. A helper that exits mid-run fails those runs: a tool may have run, so
 * none is started again.
 */
/** How long past a run's timeout the helper's answer is waited for before the run fails here. */
const HELPER_GRACE_MS = 2_000;

class HostToolHelper {
  private child?: ChildProcess;
  private readonly waiting = new Map<number, { resolve(reply: HelperReply): void; reject(err: Error): void }>();
  private seq = 0;
  private unavailable = false;

  run(request: HelperRequest): Promise<HelperReply> | undefined {
    const child = this.ensure();
    if (!child) return undefined;
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      // The helper kills the tool at timeoutMs; this bound holds even when the helper itself never answers (stopped,
      // wedged), so a run still cannot hold its caller (or a lock) forever.
      const backstop = setTimeout(
        () => this.settle(id, new HostToolTimeoutError(request.args, request.timeoutMs)),
        request.timeoutMs + HELPER_GRACE_MS,
      );
      backstop.unref();
      this.waiting.set(id, {
        resolve: (reply) => (clearTimeout(backstop), resolve(reply)),
        reject: (err) => (clearTimeout(backstop), reject(err)),
      });
      if (this.waiting.size === 1) child.channel?.ref();
      child.send({ id, ...request }, (err) => err && this.settle(id, err));
    });
  }

  private ensure(): ChildProcess | undefined {
    if (this.child || this.unavailable) return this.child;
    let child: ChildProcess;
    try {
      // Nothing of the server's environment: each run brings its own.
      child = spawn(process.execPath, ['-e', HOST_TOOL_HELPER_SOURCE], {
        env: {},
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        serialization: 'advanced',
      });
    } catch {
      this.unavailable = true;
      return undefined;
    }
    child.on('message', (reply: HelperReply) => this.settle(reply.id, undefined, reply));
    const gone = () => {
      if (this.child !== child) return;
      this.child = undefined;
      for (const id of [...this.waiting.keys()])
        this.settle(id, new HostToolFailedError('the host-tool helper exited during the run', [], null, ''));
    };
    child.on('exit', gone);
    child.on('error', gone);
    child.unref();
    child.channel?.unref();
    this.child = child;
    return child;
  }

  private settle(id: number, err?: Error, reply?: HelperReply): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    if (!this.waiting.size) this.child?.channel?.unref();
    if (err) waiter.reject(err);
    else waiter.resolve(reply!);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}

const helper = new HostToolHelper();

/** The helper's process id while one runs (for the specs: the tools run there, not here). */
export function hostToolHelperPid(): number | undefined {
  return helper.pid;
}
