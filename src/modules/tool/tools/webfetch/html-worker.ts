import path from 'node:path';
import { Worker } from 'node:worker_threads';

let modules: { turndown: string; domino: string } | undefined;

/** Module paths the worker scripts require: turndown and the DOM it parses with (domino, resolved through it). */
export function htmlModulePaths(): { turndown: string; domino: string } {
  if (!modules) {
    const turndown = require.resolve('turndown');
    modules = { turndown, domino: require.resolve('@mixmark-io/domino', { paths: [path.dirname(turndown)] }) };
  }
  return modules;
}

export interface HtmlWorkerOptions {
  timeoutMs: number;
  /** The error for a worker that ran out of time, or died (with the reason when there is one). */
  failure: (reason: 'timeout' | 'error', message?: string) => Error;
}

/**
 * Runs `source` (plain JavaScript, evaluated as the worker's script, so the same from dist/ and under Jest) in a
 * worker thread with `workerData` plus the module paths; resolves with the first message it posts. Parsing HTML
 * someone else wrote happens there, never on the event loop: the worker is terminated when its time is spent,
 * and its heap and stack are capped.
 */
export function runHtmlWorker<T>(
  source: string,
  data: Record<string, unknown>,
  options: HtmlWorkerOptions,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(source, {
      eval: true,
      workerData: { ...data, ...htmlModulePaths() },
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
