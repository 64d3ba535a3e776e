import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { WebSocket } from 'ws';
import type { SandboxTerminal } from '../sandbox/sandbox-runner.service';
import { ReplayBuffer } from './pty-replay';
import type { PtyInfo } from './pty.types';

/** OpenCode sends what it replays in pieces of this size. */
const REPLAY_CHUNK = 64 * 1024;
/** A client this far behind is cut off; it reconnects with its cursor and catches up from the replay buffer. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const OPEN = 1;

export interface PtyOwner {
  tenantId: string;
  userId: string;
  projectId: string;
  directory: string;
}

/** `0x00` then `{"cursor":N}`: OpenCode's control frame telling the client where the output it has ends. */
export function cursorFrame(cursor: number): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(JSON.stringify({ cursor }))]);
}

/**
 * One open terminal: the sandboxed shell, the output kept for reconnects, the WebSockets attached to it. Output
 * goes to every attached client as text frames; whatever a client sends is typed into the shell.
 */
export class PtySession {
  readonly replay: ReplayBuffer;
  private readonly decoder = new StringDecoder('utf8');
  private readonly sockets = new Set<WebSocket>();
  /** Input, a connection or a change; output alone does not keep a terminal open. */
  lastActive = Date.now();

  constructor(
    readonly info: PtyInfo,
    readonly owner: PtyOwner,
    private readonly shell: SandboxTerminal,
    bufferChars: number,
    onExit: (code: number) => void,
  ) {
    this.replay = new ReplayBuffer(bufferChars);
    shell.terminal.onData((chunk) => this.output(this.decoder.write(chunk)));
    shell.process.once('exit', (code, signal) => {
      this.info.status = 'exited';
      // A shell killed by a signal has no exit code; OpenCode's schema wants a non-negative integer.
      this.info.exitCode = code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 0);
      // The last output may still sit in the terminal: hand it out before saying the shell is gone.
      let reported = false;
      const done = () => {
        if (reported) return;
        reported = true;
        clearTimeout(late);
        onExit(this.info.exitCode!);
      };
      const late = setTimeout(done, 1000);
      shell.terminal.onClose(done);
    });
  }

  owns(owner: Pick<PtyOwner, 'tenantId' | 'userId'>): boolean {
    return this.owner.tenantId === owner.tenantId && this.owner.userId === owner.userId;
  }

  get connections(): number {
    return this.sockets.size;
  }

  private output(text: string): void {
    if (!text) return;
    this.replay.push(text);
    for (const socket of this.sockets) this.send(socket, text);
  }

  private send(socket: WebSocket, data: string | Buffer): void {
    if (socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      socket.close(1013, 'client too slow: reconnect with your cursor');
      return;
    }
    socket.send(data);
  }

  /** Replays what follows `cursor`, then the cursor frame, then live output; frames from the client are input. */
  attach(socket: WebSocket, cursor?: number): void {
    this.lastActive = Date.now();
    const missed = this.replay.since(cursor);
    for (let i = 0; i < missed.length; i += REPLAY_CHUNK) this.send(socket, missed.slice(i, i + REPLAY_CHUNK));
    this.send(socket, cursorFrame(this.replay.end));
    if (this.info.status === 'exited') {
      socket.close(1000, 'the terminal has exited');
      return;
    }
    this.sockets.add(socket);
    socket.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      // A control frame (leading 0x00) from a client carries no keystrokes.
      if (isBinary && bytes[0] === 0) return;
      this.write(bytes);
    });
    socket.once('close', () => this.sockets.delete(socket));
  }

  write(data: string | Buffer): void {
    if (this.info.status !== 'running') return;
    this.lastActive = Date.now();
    this.shell.terminal.write(data);
  }

  resize(cols: number, rows: number): void {
    this.lastActive = Date.now();
    if (this.info.status === 'running') this.shell.terminal.resize(cols, rows);
  }

  /** Ends the shell (and everything it started) and closes its clients. */
  close(reason: string): void {
    this.shell.kill();
    const rest = this.decoder.end();
    if (rest) this.output(rest);
    for (const socket of this.sockets) socket.close(1000, reason.slice(0, 120));
    this.sockets.clear();
    this.shell.terminal.close();
  }
}
