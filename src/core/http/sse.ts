import type { Request, Response } from 'express';

// Frames written in one turn of the event loop go out together, at its end: a burst (a busy process delivers many
// events per turn) costs one write to the socket per stream instead of one per frame.
const waiting = new Set<SseWriter>();
let flushAll: NodeJS.Immediate | undefined;
function flushWaiting(): void {
  flushAll = undefined;
  for (const w of waiting) w.flush();
  waiting.clear();
}

/** One server-sent-events response: OpenCode's headers and `data:` framing, plus the SSE `id:` line. */
export class SseWriter {
  private closed = false;
  /** Frames of this turn not written yet. */
  private out?: string;
  private readonly closeHandlers: (() => void)[] = [];

  /** `rewrite` sees each frame's JSON before it is written (the caller's view of host paths). */
  constructor(
    req: Request,
    private readonly res: Response,
    private readonly rewrite: (json: string) => string = (json) => json,
  ) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('X-Accel-Buffering', 'no');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Connection', 'keep-alive');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    req.on('close', () => this.close());
    res.on('error', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(data: unknown, id?: string): boolean {
    return this.sendJson(JSON.stringify(data), id);
  }

  /** A frame already serialised (one event serialised once for all the streams it goes to). */
  sendJson(json: string, id?: string): boolean {
    if (this.closed) return false;
    const frame = `${id ? `id: ${id}\n` : ''}data: ${this.rewrite(json)}\n\n`;
    if (this.out === undefined) {
      this.out = frame;
      waiting.add(this);
      flushAll ??= setImmediate(flushWaiting);
    } else this.out += frame;
    return true;
  }

  /**
   * Writes this turn's frames (see flushWaiting). A chunked response's chunk is framed here and written to the
   * socket as one piece: `res.write` hands the socket four (size, CRLF, data, CRLF), each a buffered write and
   * the lot one `writev`, for every stream on every event (measured: a third of the process's CPU per frame;
   * bench/README, session 14). Anything else (no chunked encoding, no socket of its own yet) goes through
   * `res.write`. The response's headers were flushed when it opened; its end writes the last chunk.
   */
  flush(): void {
    const out = this.out;
    this.out = undefined;
    if (out === undefined || this.res.writableEnded) return;
    const socket = this.res.socket;
    if (this.res.chunkedEncoding && socket?.writable && this.res.headersSent)
      socket.write(`${Buffer.byteLength(out).toString(16)}\r\n${out}\r\n`);
    else this.res.write(out);
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.closeHandlers.push(fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const fn of this.closeHandlers.splice(0)) {
      try {
        fn();
      } catch {
        // a failing cleanup must not keep the others from running
      }
    }
    if (waiting.delete(this)) this.flush();
    if (!this.res.writableEnded) this.res.end();
  }
}
