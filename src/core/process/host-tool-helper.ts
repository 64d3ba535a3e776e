/**
 * The host-tool helper's script (plain JavaScript run with `node -e`, so the same from dist/ and under Jest). It starts
 * the tools the server asks for and answers with their output. Starting a process from the server itself holds the
 * server's event loop while the kernel copies its address space and the child reaches exec: tens of milliseconds for a
 * process of several hundred megabytes, longer on a busy machine, paid by every stream of the process (a step's
 * snapshots start several git processes). The helper is small, so its starts are cheap, and they hold only its own loop.
 * It runs what the server sends as the server would (argv and environment as given, no shell, SIGKILL at the timeout);
 * host-tool.ts validates the binary before sending.
 */
export const HOST_TOOL_HELPER_SOURCE = `'use strict';
const { spawn } = require('node:child_process');
process.on('message', (m) => {
  let answered = false;
  const answer = (reply) => {
    if (answered) return;
    answered = true;
    process.send(Object.assign({ id: m.id }, reply));
  };
  let child;
  try {
    child = spawn(m.binary, m.args, { cwd: m.cwd, env: m.env, stdio: ['pipe', 'pipe', 'pipe'], shell: false, windowsHide: true });
  } catch (error) {
    return answer({ startError: String((error && error.message) || error) });
  }
  const out = [];
  const err = [];
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, m.timeoutMs);
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => err.push(chunk));
  child.stdin.on('error', () => undefined);
  child.on('error', (error) => {
    clearTimeout(timer);
    answer({ startError: error.message });
  });
  child.on('close', (code, signal) => {
    clearTimeout(timer);
    answer({ code, signal, timedOut, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
  });
  child.stdin.end(m.input === undefined ? '' : m.input);
});
process.on('disconnect', () => process.exit(0));
`;

/** What the helper answers for one run. */
export interface HelperReply {
  id: number;
  /** The tool did not start (no such binary, no such cwd). */
  startError?: string;
  code?: number | null;
  signal?: string | null;
  timedOut?: boolean;
  stdout?: Uint8Array;
  stderr?: string;
}

/** One run, as sent to the helper. */
export interface HelperRequest {
  binary: string;
  args: string[];
  cwd?: string;
  env: Record<string, string>;
  timeoutMs: number;
  input?: Buffer | string;
}
