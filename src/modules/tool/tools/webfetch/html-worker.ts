import path from 'node:path';
import { runScriptWorker, type ScriptWorkerOptions } from '../../../../core/process/script-worker';

let modules: { turndown: string; domino: string } | undefined;

/** Module paths the worker scripts require: turndown and the DOM it parses with (domino, resolved through it). */
export function htmlModulePaths(): { turndown: string; domino: string } {
  if (!modules) {
    const turndown = require.resolve('turndown');
    modules = { turndown, domino: require.resolve('@mixmark-io/domino', { paths: [path.dirname(turndown)] }) };
  }
  return modules;
}

export type HtmlWorkerOptions = ScriptWorkerOptions;

/** A script worker (core/process/script-worker.ts) that also gets turndown's and domino's module paths. */
export function runHtmlWorker<T>(
  source: string,
  data: Record<string, unknown>,
  options: HtmlWorkerOptions,
): Promise<T> {
  return runScriptWorker<T>(source, { ...data, ...htmlModulePaths() }, options);
}
