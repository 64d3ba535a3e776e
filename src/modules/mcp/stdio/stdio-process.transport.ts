// MCP over a child process's stdio. The SDK's StdioClientTransport spawns the process itself, which would
// bypass the sandboxing spawner, so this transport takes a spawned process instead. It also guards against
// servers that misbehave on their pipes: one message over `maxMessageBytes` or a stream of non-JSON lines
// closes the connection, and stderr is drained into a bounded tail used in error messages.
import type { ChildProcess } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ReadBuffer } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { mcpStdioSdk } from '../mcp-sdk';

export interface StdioProcessTransportOptions {
  maxMessageBytes: number;
  /** How much of stderr to remember for error messages. */
  stderrTailBytes: number;
  /** Non-JSON lines tolerated on stdout (some servers print a banner) before giving up. */
  maxInvalidLines: number;
  /** Grace period between SIGTERM and SIGKILL on close. */
  killGraceMs: number;
  onStderr?: (chunk: string) => void;
}

export const DEFAULT_STDIO_OPTIONS: StdioProcessTransportOptions = {
  maxMessageBytes: 8 * 1024 * 1024,
  stderrTailBytes: 4096,
  maxInvalidLines: 50,
  killGraceMs: 2000,
};

export class StdioProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly readBuffer: ReadBuffer;
  private stderrTail = '';
  private invalidLines = 0;
  private closed = false;
  private exitDescription?: string;
  private failure?: string;

  constructor(
    private readonly child: ChildProcess,
    private readonly options: StdioProcessTransportOptions = DEFAULT_STDIO_OPTIONS,
  ) {
    this.readBuffer = new (mcpStdioSdk().ReadBuffer)({ maxBufferSize: options.maxMessageBytes });
  }

  /** Exit code/signal and the end of stderr, for `failed` status messages. */
  describeExit(): string | undefined {
    const tail = this.stderrTail.trim();
    if (!this.failure && !this.exitDescription && !tail) return undefined;
    return [this.failure, this.exitDescription, tail ? `stderr: ${tail.slice(-500)}` : undefined]
      .filter(Boolean)
      .join('; ');
  }

  async start(): Promise<void> {
    const child = this.child;
    child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.onStderrData(chunk));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    child.stdout?.on('error', (error) => this.onerror?.(error));
    child.on('exit', (code, signal) => {
      this.exitDescription = signal ? `process killed by ${signal}` : `process exited with code ${code}`;
    });
    child.on('close', () => this.finish());
    if (child.pid !== undefined) return;
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        this.exitDescription = `failed to start: ${error.message}`;
        reject(error);
        this.finish();
      });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child.stdin;
    if (this.closed || !stdin || stdin.destroyed || !stdin.writable) {
      throw new Error(`MCP server process is not running${this.exitDescription ? ` (${this.exitDescription})` : ''}`);
    }
    await new Promise<void>((resolve, reject) => {
      stdin.write(mcpStdioSdk().serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const child = this.child;
    const exited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    try {
      child.stdin?.end();
    } catch {
      // Already broken; the signals below still apply.
    }
    this.signal('SIGTERM');
    const grace = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), this.options.killGraceMs).unref(),
    );
    if ((await Promise.race([exited, grace])) === 'timeout') this.signal('SIGKILL');
    this.finish();
  }

  private signal(sig: NodeJS.Signals): void {
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      // The default spawner starts a process group; killing the group also stops grandchildren (npx, sh -c).
      if (child.pid !== undefined) process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        // Gone already.
      }
    }
  }

  private onStdout(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      this.fail(new Error(`MCP server sent a message over ${this.options.maxMessageBytes} bytes`));
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch {
        if (++this.invalidLines > this.options.maxInvalidLines) {
          this.fail(new Error('MCP server wrote too many non-JSON-RPC lines to stdout'));
          return;
        }
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
      if (this.closed) return;
    }
  }

  private onStderrData(chunk: Buffer): void {
    const text = chunk.toString('utf8');
    this.stderrTail = (this.stderrTail + text).slice(-this.options.stderrTailBytes);
    this.options.onStderr?.(text);
  }

  private fail(error: Error): void {
    this.readBuffer.clear();
    this.failure = error.message;
    this.onerror?.(error);
    void this.close();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.readBuffer.clear();
    this.child.stdout?.removeAllListeners('data');
    // Keep draining stderr so a dying process never blocks on a full pipe.
    this.child.stderr?.resume();
    this.onclose?.();
  }
}
