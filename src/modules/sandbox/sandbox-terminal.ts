import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

/** node-pty's native binding: openpty(3) only. Its fork() is never called: processes start in the runner. */
interface PtyBinding {
  open(cols: number, rows: number): { master: number; slave: number; pty: string };
}

let binding: PtyBinding | undefined;
function native(): PtyBinding {
  // The binding, not node-pty's spawn(): that forks the command itself, outside bubblewrap.
  binding ??= (
    require('node-pty/lib/utils') as { loadNativeModule(name: string): { module: PtyBinding } }
  ).loadNativeModule('pty').module;
  return binding;
}

/** Input waiting for the terminal beyond this is dropped (a paste bigger than this is not typing). */
const MAX_PENDING_INPUT = 1024 * 1024;

/**
 * The relay that holds the master side (fd 3): master → stdout, stdin → master, `{"cols","rows"}` lines on fd 4
 * resize it. It starts nothing. Output is read only as fast as the server takes it (the pipe's backpressure pauses
 * the master), so a flooding command blocks on its own terminal instead of filling memory.
 */
const RELAY = `
const fs = require('fs');
const tty = require('tty');
const pty = require(process.argv[1]).loadNativeModule('pty').module;
const end = () => process.exit(0);
const master = new tty.ReadStream(3);
master.on('data', (d) => { if (!process.stdout.write(d)) { master.pause(); process.stdout.once('drain', () => master.resume()); } });
master.on('error', end);
master.on('close', end);
process.stdout.on('error', end);
const queue = [];
let writing = false;
const flush = () => {
  if (writing || queue.length === 0) return;
  writing = true;
  const head = queue[0];
  fs.write(3, head, 0, head.length, null, (error, written) => {
    writing = false;
    if (error) return error.code === 'EAGAIN' ? setTimeout(flush, 5) : end();
    if (written < head.length) queue[0] = head.subarray(written); else queue.shift();
    flush();
  });
};
process.stdin.on('data', (d) => { queue.push(d); flush(); });
process.stdin.on('end', end);
process.stdin.on('error', end);
let control = '';
fs.createReadStream(null, { fd: 4 }).on('data', (d) => {
  control += d;
  for (let i = control.indexOf('\\n'); i >= 0; i = control.indexOf('\\n')) {
    try { const size = JSON.parse(control.slice(0, i)); pty.resize(3, size.cols, size.rows); } catch {}
    control = control.slice(i + 1);
  }
}).on('error', () => undefined);
`;

/**
 * A pseudo-terminal pair. openpty(3) makes descriptors without close-on-exec, and Node cannot set it: a master
 * kept in the server would be inherited by every process started after it — another student's sandbox could then
 * read and type into this terminal. So the master is handed to a small relay process and closed here in the same
 * synchronous step (no other process can start in between), and the slave is reopened by name (close-on-exec,
 * blocking, not our controlling terminal) for the shell's stdin, stdout and stderr.
 */
export class PseudoTerminal {
  private readonly relay: ChildProcess;
  private slave: number | null;
  private closed = false;

  constructor(cols: number, rows: number) {
    const pair = native().open(cols, rows);
    try {
      closeSync(pair.slave);
      this.slave = openSync(pair.pty, constants.O_RDWR | constants.O_NOCTTY);
      this.relay = spawn(
        process.execPath,
        ['--max-old-space-size=32', '-e', RELAY, require.resolve('node-pty/lib/utils')],
        {
          env: {},
          stdio: ['pipe', 'pipe', 'ignore', pair.master, 'pipe'],
        },
      );
    } finally {
      closeSync(pair.master);
    }
    for (const stream of [this.relay.stdin, this.relay.stdio[4]]) (stream as Writable).on('error', () => undefined);
    this.relay.on('error', () => undefined);
  }

  /** The slave descriptor for the child's stdio; the parent's copy must be closed once the child has it. */
  get slaveFd(): number {
    if (this.slave === null) throw new Error('the terminal was already handed to its process');
    return this.slave;
  }

  releaseSlave(): void {
    if (this.slave !== null) closeSync(this.slave);
    this.slave = null;
  }

  onData(listener: (chunk: Buffer) => void): void {
    (this.relay.stdout as Readable).on('data', listener);
  }

  /** Once the master is closed: the last process holding the slave has gone, or close() was called. */
  onClose(listener: () => void): void {
    if (this.relay.exitCode !== null || this.relay.signalCode !== null) listener();
    else this.relay.once('close', listener);
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) (this.relay.stdio[4] as Writable).write(`${JSON.stringify({ cols, rows })}\n`);
  }

  write(data: string | Buffer): void {
    const input = this.relay.stdin as Writable;
    if (this.closed || input.writableLength > MAX_PENDING_INPUT) return;
    input.write(data);
  }

  /** Closes the master: the shell's session is hung up (SIGHUP), its side reads EOF. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseSlave();
    this.relay.kill('SIGKILL');
  }
}
