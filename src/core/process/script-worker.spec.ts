import fs from 'node:fs';
import { runScriptWorker } from './script-worker';

const failure = (reason: 'timeout' | 'error', message?: string) =>
  new Error(`${reason}${message ? `: ${message}` : ''}`);

describe('runScriptWorker', () => {
  it('resolves with what the script posts after ready()', async () => {
    const source = `const { parentPort, workerData } = require('node:worker_threads'); ready(); parentPort.postMessage(workerData.n * 2);`;
    await expect(runScriptWorker<number>(source, { n: 21 }, { timeoutMs: 10_000, failure })).resolves.toBe(42);
  });

  it('ends work that outlasts its budget after ready()', async () => {
    const source = `ready(); for (;;) {}`;
    await expect(runScriptWorker(source, {}, { timeoutMs: 100, failure })).rejects.toThrow('timeout');
  });

  it('does not count the loading before ready() against the work budget (a busy machine starts threads slowly)', async () => {
    // Setup spends three times the work budget before ready(); the work itself is instant.
    const source = `const { parentPort } = require('node:worker_threads');
      const until = Date.now() + 300; while (Date.now() < until) {}
      ready(); parentPort.postMessage('done');`;
    await expect(runScriptWorker(source, {}, { timeoutMs: 100, failure })).resolves.toBe('done');
  });

  it('ends a script that never becomes ready once the startup bound is spent', async () => {
    await expect(runScriptWorker(`for (;;) {}`, {}, { timeoutMs: 100, startupMs: 200, failure })).rejects.toThrow(
      'timeout',
    );
  });

  it('reports a script that throws', async () => {
    await expect(
      runScriptWorker(`ready(); throw new Error('boom')`, {}, { timeoutMs: 10_000, failure }),
    ).rejects.toThrow('error: boom');
  });
});

// The work budget is the worker thread's CPU time: a script that waits (as every thread waits on a loaded machine)
// has not spent it.
(fs.existsSync('/proc/thread-self') ? describe : describe.skip)('runScriptWorker on Linux', () => {
  it('does not count time the worker spends waiting against its work budget', async () => {
    const source = `const { parentPort } = require('node:worker_threads'); ready();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); parentPort.postMessage('done');`;
    await expect(runScriptWorker(source, {}, { timeoutMs: 200, failure })).resolves.toBe('done');
  });
});
