import http from 'node:http';

// A server-sent-events client for e2e tests: parses `id:`/`event:`/`data:` frames as they arrive, keeps them
// all, and lets a test wait for a frame matching a predicate.

export interface SseFrame<T = any> {
  /** The SSE `id:` field, when the frame had one. */
  id?: string;
  event?: string;
  /** `data:` lines joined with newlines, parsed as JSON when possible. */
  data: T;
  raw: string;
}

export interface SseOptions {
  key?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  lastEventId?: string;
}

export class SseClient {
  readonly frames: SseFrame[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  /** Everything received, byte for byte, to check the framing itself. */
  rawText = '';
  private buffer = '';
  private waiters: { pred: (f: SseFrame) => boolean; resolve: (f: SseFrame) => void }[] = [];
  private req?: http.ClientRequest;
  private ended = false;
  private endWaiters: (() => void)[] = [];

  private constructor() {}

  static open(baseUrl: string, route: string, opts: SseOptions = {}): Promise<SseClient> {
    const client = new SseClient();
    const url = new URL(route, baseUrl);
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'text/event-stream', ...(opts.headers ?? {}) };
    if (opts.key) headers.authorization = `Bearer ${opts.key}`;
    if (opts.lastEventId) headers['last-event-id'] = opts.lastEventId;
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers }, (res) => {
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => client.feed(chunk));
        res.on('end', () => client.finish());
        res.on('error', () => client.finish());
        resolve(client);
      });
      req.on('error', (err) => (client.status ? client.finish() : reject(err)));
      client.req = req;
    });
  }

  /** Parsed `data` of every frame so far. */
  get events(): any[] {
    return this.frames.map((f) => f.data);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Resolves with the first frame (already received or future) that matches; rejects after `timeoutMs`. */
  waitFor(pred: (f: SseFrame) => boolean, timeoutMs = 30_000): Promise<SseFrame> {
    const seen = this.frames.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pred,
        resolve: (f: SseFrame) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(
          new Error(
            `SSE: no matching frame within ${timeoutMs} ms; got ${this.frames.length}: ${this.frames.map((f) => f.data?.type ?? f.data?.payload?.type ?? '?').join(', ')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Waits for a frame whose `data.type` (or `data.payload.type` on /global/event) equals `type`. */
  waitForType(type: string, timeoutMs = 30_000, pred: (data: any) => boolean = () => true): Promise<SseFrame> {
    return this.waitFor((f) => (f.data?.type ?? f.data?.payload?.type) === type && pred(f.data), timeoutMs);
  }

  /** Waits until the server closes the stream. */
  waitForEnd(timeoutMs = 30_000): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('SSE: stream did not end')), timeoutMs);
      this.endWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  close(): void {
    this.req?.destroy();
    this.finish();
  }

  private feed(chunk: string): void {
    this.rawText += chunk;
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    let idx: number;
    while ((idx = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, idx);
      this.buffer = this.buffer.slice(idx + 2);
      this.parseBlock(block);
    }
  }

  private parseBlock(block: string): void {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length && id === undefined) return;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    const frame: SseFrame = { id, event, data: parsed, raw: block };
    this.frames.push(frame);
    for (const w of [...this.waiters]) {
      if (w.pred(frame)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(frame);
      }
    }
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const fn of this.endWaiters.splice(0)) fn();
  }
}
