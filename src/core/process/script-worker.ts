import fs from 'node:fs';
import { Worker } from 'node:worker_threads';

export interface ScriptWorkerOptions {
  /**
   * The budget of the work itself, counted from the script's `ready()` (its modules loaded): the CPU time of the
   * worker's thread where /proc shows it (Linux), wall time elsewhere.
   */
  timeoutMs: number;
  /**
   * The time the worker may take to start and load its modules before `ready()`: it runs no input of anyone's, so
   * it is bounded only against a stuck thread, and generously, since a busy machine may take seconds to start one.
   */
  startupMs?: number;
  /** The error for a worker that ran out of time, or died (with the reason when there is one). */
  failure: (reason: 'timeout' | 'error', message?: string) => Error;
}

const READY = '\u0000script-worker:ready:';
export const SCRIPT_WORKER_STARTUP_MS = 60_000;
/** How often the worker thread's CPU time is read. */
const WATCH_EVERY_MS = 25;
/** Work still running after this many times its budget in wall time is ended too (a machine too busy to run it). */
const WALL_FACTOR = 30;
/** Linux counts thread CPU time in ticks of 1/100 s (USER_HZ). */
const TICK_MS = 10;

// Prepended to every script: `ready()` says the modules are loaded and the work on the input begins, and names the
// worker's OS thread (`/proc/thread-self`, read from that thread) so its CPU time can be read from outside.
const PRELUDE = `const ready = () => {
  let thread = '';
  try { thread = require('node:fs').readlinkSync('/proc/thread-self').split('/').pop(); } catch {}
  require('node:worker_threads').parentPort.postMessage(${JSON.stringify(READY)} + thread);
};\n`;

/** CPU time (user + system) one thread of this process has used, in ms; undefined where /proc does not show it. */
function threadCpuMs(thread: string): number | undefined {
  if (!/^\d+$/.test(thread)) return undefined;
  try {
    const stat = fs.readFileSync(`/proc/self/task/${thread}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/**
 * Runs `source` (plain JavaScript, evaluated as the worker's script, so the same from dist/ and under Jest) in a
 * worker thread with `workerData`; resolves with the first message it posts after `ready()`. Work on input someone
 * else wrote (HTML pages, JSON schemas) happens there, never on the event loop: the worker is terminated when its
 * budget is spent, and its heap and stack are capped. The script calls `ready()` once its modules are loaded; the
 * budget `timeoutMs` counts from there, so what it bounds is the work on the input, not a busy machine's thread
 * start (a script that never calls `ready()` gets `startupMs` and is then ended as out of time).
 *
 * The budget is the CPU time the worker's thread spends: a hostile input (a pattern that backtracks) spends CPU,
 * while a loaded machine only makes the thread wait; in wall time, Ajv compiling a two-field schema took 0.6-0.8 s
 * at a load of 20 on two cores, close enough to its 2 s to refuse valid structured answers.
 */
export function runScriptWorker<T>(
  source: string,
  workerData: Record<string, unknown>,
  options: ScriptWorkerOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(PRELUDE + source, {
      eval: true,
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 8 },
    });
    let settled = false;
    let timer: NodeJS.Timeout;
    let watch: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watch);
      void worker.terminate();
      if (error) reject(error);
      else resolve(value as T);
    };
    const clock = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(options.failure('timeout')), ms);
    };
    const startWork = (thread: string) => {
      const start = threadCpuMs(thread);
      if (start === undefined) return clock(options.timeoutMs);
      clock(options.timeoutMs * WALL_FACTOR);
      watch = setInterval(() => {
        const used = threadCpuMs(thread);
        if (used !== undefined && used - start > options.timeoutMs) finish(options.failure('timeout'));
      }, WATCH_EVERY_MS);
    };
    clock(options.startupMs ?? SCRIPT_WORKER_STARTUP_MS);
    worker.on('message', (value: T) => {
      if (typeof value === 'string' && value.startsWith(READY)) startWork(value.slice(READY.length));
      else finish(undefined, value);
    });
    worker.once('error', (error) => finish(options.failure('error', error.message)));
    worker.once('exit', () => finish(options.failure('error')));
  });
}
