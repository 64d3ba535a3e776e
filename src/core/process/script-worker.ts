import { Worker } from 'node:worker_threads';

export interface ScriptWorkerOptions {
  timeoutMs: number;
  /** The error for a worker that ran out of time, or died (with the reason when there is one). */
  failure: (reason: 'timeout' | 'error', message?: string) => Error;
}

/**
 * Runs `source` (plain JavaScript, evaluated as the worker's script, so the same from dist/ and under Jest) in a
 * worker thread with `workerData`; resolves with the first message it posts. Work on input someone else wrote
 * (HTML pages, JSON schemas) happens there, never on the event loop: the worker is terminated when its time is
 * spent, and its heap and stack are capped.
 */
export function runScriptWorker<T>(
  source: string,
  workerData: Record<string, unknown>,
  options: ScriptWorkerOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData,
      resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 8 },
    });
    let settled = false;
    const finish = (error: Error | undefined, value?: T) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (error) reject(error);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(options.failure('timeout')), options.timeoutMs);
    worker.once('message', (value: T) => finish(undefined, value));
    worker.once('error', (error) => finish(options.failure('error', error.message)));
    worker.once('exit', () => finish(options.failure('error')));
  });
}
