import type { Request, Response } from 'express';

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
    if (this.closed) return false;
    const frame = (id ? `id: ${id}\n` : '') + `data: ${this.rewrite(JSON.stringify(data))}\n\n`;
    return this.res.write(frame);
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
    if (!this.res.writableEnded) this.res.end();
  }
}
