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
 * The relay that holds the master side (fd 3): master → stdout; stdin carries frames (a type byte, a 4-byte length,
 * the payload): input (0) for the master, or a `{"cols","rows"}` resize (1). One ordered channel: a resize takes
 * effect after the input sent before it and before the input sent after it (a `stty size` typed right after a
 * resize sees the new size). It starts nothing. Output is read only as fast as the server takes it (the pipe's
 * backpressure pauses the master), so a flooding command blocks on its own terminal instead of filling memory.
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
  while (!writing && queue.length && !Buffer.isBuffer(queue[0])) {
    const size = queue.shift();
    try { pty.resize(3, size.cols, size.rows); } catch {}
  }
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
let pending = Buffer.alloc(0);
process.stdin.on('data', (d) => {
  pending = pending.length ? Buffer.concat([pending, d]) : d;
  while (pending.length >= 5) {
    const length = pending.readUInt32BE(1);
    if (pending.length < 5 + length) break;
    const payload = pending.subarray(5, 5 + length);
    if (pending[0] === 0) queue.push(payload);
    else { try { const size = JSON.parse(payload.toString()); queue.push({ cols: size.cols, rows: size.rows }); } catch {} }
    pending = pending.subarray(5 + length);
  }
  flush();
});
process.stdin.on('end', end);
process.stdin.on('error', end);
`;

/** One frame of the relay's input channel (RELAY): `type` 0 input, 1 resize. */
function frame(type: 0 | 1, payload: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head[0] = type;
  head.writeUInt32BE(payload.length, 1);
  return Buffer.concat([head, payload]);
}

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
          stdio: ['pipe', 'pipe', 'ignore', pair.master],
        },
      );
    } finally {
      closeSync(pair.master);
    }
    (this.relay.stdin as Writable).on('error', () => undefined);
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
    if (!this.closed) (this.relay.stdin as Writable).write(frame(1, Buffer.from(JSON.stringify({ cols, rows }))));
  }

  write(data: string | Buffer): void {
    const input = this.relay.stdin as Writable;
    if (this.closed || input.writableLength > MAX_PENDING_INPUT) return;
    input.write(frame(0, typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
  }

  /** Closes the master: the shell's session is hung up (SIGHUP), its side reads EOF. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.releaseSlave();
    this.relay.kill('SIGKILL');
  }
}
