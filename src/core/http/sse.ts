import type { Request, Response } from 'express';

// Frames written in one turn of the event loop go out together: each stream is corked at its first frame of the
// turn and uncorked once at the end of it, so a burst (a busy process delivers many events per turn) costs one
// write to the socket per stream instead of one per frame.
const corked = new Set<SseWriter>();
let uncorkAll: NodeJS.Immediate | undefined;
function flushCorked(): void {
  uncorkAll = undefined;
  for (const w of corked) w.uncork();
  corked.clear();
}

/** One server-sent-events response: OpenCode's headers and `data:` framing, plus the SSE `id:` line. */
export class SseWriter {
  private closed = false;
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
    if (!corked.has(this)) {
      this.res.cork();
      corked.add(this);
      uncorkAll ??= setImmediate(flushCorked);
    }
    return this.res.write((id ? `id: ${id}\n` : '') + `data: ${this.rewrite(json)}\n\n`);
  }

  /** Called once per corked turn (see flushCorked). */
  uncork(): void {
    if (!this.res.writableEnded) this.res.uncork();
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
    if (corked.delete(this)) this.uncork();
    if (!this.res.writableEnded) this.res.end();
  }
}
