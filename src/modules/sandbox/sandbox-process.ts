import { spawn, type ChildProcess } from 'node:child_process';
import type { SandboxLimits, SandboxRunResult } from './sandbox.types';
import { OutputCollector } from './output-collector';
import type { RunCgroup } from './sandbox-cgroup';
import { HOST_PATH } from './sandbox-confine';

/** Grace between SIGTERM and SIGKILL, as OpenCode's shell tool does. */
export const KILL_GRACE_MS = 3000;

export interface SuperviseOptions {
  /** The run's cgroup, removed once the run has ended. */
  cgroup?: RunCgroup;
  timeoutMs: number;
  limits: SandboxLimits;
  signal?: AbortSignal;
  onOutput?: (chunk: string) => void;
  spillPath: string;
  sandboxed: boolean;
  network: SandboxRunResult['network'];
  note?: string;
}

export function supervise(spawned: SandboxedProcess, options: SuperviseOptions): Promise<SandboxRunResult> {
  const child = spawned.process;
  const started = Date.now();
  const collector = new OutputCollector({
    memoryBytes: options.limits.outputBytes,
    spillBytes: options.limits.spillBytes,
    spillPath: options.spillPath,
  });
  let timedOut = false;
  let aborted = false;
  let outputLimitHit = false;
  let forceKill: NodeJS.Timeout | undefined;

  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      /* already gone */
    }
  };
  const terminate = () => {
    if (forceKill) return;
    spawned.kill();
    // Last resort if the first blow didn't land (bwrap stuck in setup, a plain shell ignoring SIGTERM).
    forceKill = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    forceKill.unref();
  };

  const onData = (chunk: Buffer) => {
    collector.push(chunk);
    options.onOutput?.(chunk.toString('utf8'));
    if (collector.totalBytes > options.limits.killAfterOutputBytes && !outputLimitHit) {
      outputLimitHit = true;
      terminate();
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const timer = setTimeout(() => {
    timedOut = true;
    terminate();
  }, options.timeoutMs);
  const onAbort = () => {
    aborted = true;
    terminate();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise((resolve, reject) => {
    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let settled = false;
    const finish = async () => {
      if (settled || !exit) return;
      settled = true;
      clearTimeout(timer);
      if (forceKill) clearTimeout(forceKill);
      options.signal?.removeEventListener('abort', onAbort);
      const outputPath = await collector.close();
      await options.cgroup?.remove();
      const failure = await spawned.setup;
      const lost = spawned.networkLost?.();
      const stopped = lost ? `The sandbox's network stopped while the command ran: ${lost}` : null;
      const note = [options.note, failure, stopped].filter(Boolean).join('\n') || undefined;
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        output: collector.text(),
        network: options.network,
        ...(note ? { note } : {}),
        truncated: collector.truncated,
        totalBytes: collector.totalBytes,
        timedOut,
        aborted,
        outputLimitHit,
        outputPath,
        sandboxed: options.sandboxed,
        durationMs: Date.now() - started,
      });
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      // A plain-spawn grandchild that escaped the process group can hold the pipes open; don't wait forever.
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        void finish();
      }, 500).unref();
    });
    child.once('close', () => void finish());
  });
}

/** A started command and the way to end it with everything it spawned. */
export interface SandboxedProcess {
  process: ChildProcess;
  kill(): void;
  /** With the filtered network: settles once the sandbox was let go (null) or killed for a failed setup (why). */
  setup?: Promise<string | null>;
  /** With the filtered network, once attached: why it ended while the command ran, or null. */
  networkLost?: () => string | null;
}

/**
 * Ends a sandbox by SIGKILLing its pid namespace's init (the kernel then kills every process inside). Not by
 * killing bwrap: killed mid-setup, bwrap can leave an init that hasn't armed its parent-death signal yet,
 * sitting in its own session and ignoring everything but SIGKILL — an orphaned namespace. The init's pid comes
 * from bwrap's --info-fd; a kill asked for before it is known waits for it.
 */
export function killNamespace(child: ChildProcess, nsInit: Promise<number | null>): void {
  void nsInit.then((pid) => {
    // After bwrap has exited, the init is reaped and its pid may already belong to someone else.
    if (pid === null || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
}

/**
 * Unsandboxed (SANDBOX=off, or optional without bubblewrap): a plain process in the workspace with the command's
 * minimal environment, leading its own process group so it can be ended with everything it started.
 */
export function spawnUnsandboxed(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; stdin: 'ignore' | 'pipe' | { terminal: number } },
): ChildProcess {
  const { cwd, env, stdin } = options;
  const stdio: ('ignore' | 'pipe' | number)[] =
    typeof stdin === 'object' ? [stdin.terminal, stdin.terminal, stdin.terminal] : [stdin, 'pipe', 'pipe'];
  return spawn(file, args, { cwd, env, detached: true, stdio });
}

/** Unsandboxed: SIGTERM to the process group, SIGKILL after the grace period. */
export function plainProcess(child: ChildProcess): SandboxedProcess {
  const signal = (name: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, name);
    } catch {
      /* already gone */
    }
  };
  return {
    process: child,
    kill: () => {
      signal('SIGTERM');
      setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS).unref();
    },
  };
}

/** Aborted before it began: nothing to spawn (and no half-started sandbox to clean up). */
export function notStarted(sandboxed: boolean, network: SandboxRunResult['network']): SandboxRunResult {
  return {
    exitCode: null,
    signal: null,
    output: '',
    truncated: false,
    totalBytes: 0,
    timedOut: false,
    aborted: true,
    outputLimitHit: false,
    sandboxed,
    network,
    durationMs: 0,
  };
}

/** Runs a short helper command to completion and returns its merged output. */
export function capture(file: string, args: string[]): Promise<{ code: number; output: string }> {
  return collect(spawn(file, args, { env: { PATH: HOST_PATH, LANG: 'C.UTF-8' }, stdio: ['ignore', 'pipe', 'pipe'] }));
}

export function collect(child: ChildProcess): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}
