import { Worker } from 'node:worker_threads';

export interface ScriptWorkerOptions {
  /** The time the work itself may take, counted from the script's `ready()` (its modules loaded). */
  timeoutMs: number;
  /**
   * The time the worker may take to start and load its modules before `ready()`: it runs no input of anyone's, so
   * it is bounded only against a stuck thread, and generously, since a busy machine may take seconds to start one.
   */
  startupMs?: number;
  /** The error for a worker that ran out of time, or died (with the reason when there is one). */
  failure: (reason: 'timeout' | 'error', message?: string) => Error;
}

const READY = '\u0000script-worker:ready';
export const SCRIPT_WORKER_STARTUP_MS = 60_000;

// Prepended to every script: `ready()` says the modules are loaded and the work on the input begins.
const PRELUDE = `const ready = () => require('node:worker_threads').parentPort.postMessage(${JSON.stringify(READY)});\n`;

/**
 * Runs `source` (plain JavaScript, evaluated as the worker's script, so the same from dist/ and under Jest) in a
 * worker thread with `workerData`; resolves with the first message it posts after `ready()`. Work on input someone
 * else wrote (HTML pages, JSON schemas) happens there, never on the event loop: the worker is terminated when its
 * time is spent, and its heap and stack are capped. The script calls `ready()` once its modules are loaded; the
 * budget `timeoutMs` counts from there, so what it bounds is the work on the input, not a busy machine's thread
 * start (a script that never calls `ready()` gets `startupMs` and is then ended as out of time).
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
    const finish = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve(value as T);
    };
    const clock = (ms: number) => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(options.failure('timeout')), ms);
    };
    clock(options.startupMs ?? SCRIPT_WORKER_STARTUP_MS);
    worker.on('message', (value: T | typeof READY) => {
      if (value === READY) clock(options.timeoutMs);
      else finish(undefined, value);
    });
    worker.once('error', (error) => finish(options.failure('error', error.message)));
    worker.once('exit', () => finish(options.failure('error')));
  });
}
