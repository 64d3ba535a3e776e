import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseSeq } from './event.transport.memory';
import type { EventEnvelope, EventTransport } from './event.types';
import { decodeEnvelope, encodeEnvelope } from './event.wire';

const STREAM = 'oc:events';

/**
 * Multi-process transport: one Redis stream is both the fan-out (every API process tails it with XREAD) and the
 * bounded replay window (MAXLEN ~N) behind `Last-Event-ID`. Stream ids are the SSE cursors.
 */
export class RedisEventTransport implements EventTransport {
  readonly shared = true;
  private running = false;
  private reader?: Redis;
  private loop?: Promise<void>;

  constructor(
    private readonly writer: Redis,
    private readonly createReader: () => Redis,
    private readonly capacity: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Appends published by one synchronous run of code (a prompt's part updates, status changes) go out as one
   * pipeline: one write and one reply instead of one round trip each. One connection keeps them in order.
   */
  append(envelope: Omit<EventEnvelope, 'seq'>, opts?: { now?: boolean }): Promise<string> {
    return new Promise((resolve, reject) => {
      const queued = this.pending.push({ fields: encodeEnvelope(envelope), resolve, reject });
      // `now`: not after the rest of this turn's work (an answer's first piece: the rest of the reply is handled
      // after it). Otherwise nextTick, not later: on its way before the HTTP answer that follows the publish.
      if (opts?.now) this.flush();
      else if (queued === 1) process.nextTick(() => this.flush());
    });
  }

  private pending: { fields: string[]; resolve: (id: string) => void; reject: (err: unknown) => void }[] = [];

  private flush(): void {
    const batch = this.pending;
    if (!batch.length) return; // sent earlier in the turn by an append `now`
    this.pending = [];
    const maxLen = String(Math.max(this.capacity, 1));
    // MULTI: a reader blocked in XREAD is answered after each command otherwise, with the batch's first entry
    // alone, and needs another round trip for the rest (an answer's first delta, queued after its part's events).
    const pipeline = batch.length > 1 ? this.writer.multi() : this.writer.pipeline();
    for (const b of batch) pipeline.xadd(STREAM, 'MAXLEN', '~', maxLen, '*', ...b.fields);
    pipeline.exec().then(
      (results) =>
        batch.forEach((b, i) => {
          const [err, id] = results?.[i] ?? [new Error('no reply to the event append')];
          if (err) b.reject(err);
          else b.resolve(id as string);
        }),
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }

  async since(cursor: string, limit: number): Promise<EventEnvelope[]> {
    if (!parseSeq(cursor)) return [];
    const rows = await this.writer.xrange(STREAM, `(${cursor}`, '+', 'COUNT', limit);
    return rows.map(([id, fields]) => decodeEnvelope(id, fields));
  }

  async start(handler: (e: EventEnvelope) => void): Promise<void> {
    this.reader = this.createReader();
    this.running = true;
    let last = '0-0'; // not '$': events appended before the first XREAD would be skipped
    // Read the current tail id first so events appended between start() and the first XREAD are not missed.
    const tail = await this.writer.xrevrange(STREAM, '+', '-', 'COUNT', 1);
    if (tail.length) last = tail[0][0];
    this.loop = (async () => {
      while (this.running) {
        try {
          const res = (await this.reader!.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', STREAM, last)) as
            [string, [string, string[]][]][] | null;
          if (!res) continue;
          for (const [id, fields] of res[0][1]) {
            last = id;
            try {
              handler(decodeEnvelope(id, fields));
            } catch (err) {
              this.logger.error({ err }, 'event handler failed');
            }
          }
        } catch (err) {
          if (!this.running) break;
          this.logger.warn({ err }, 'event stream read failed; retrying');
          await sleep(500);
        }
      }
    })();
  }

  /** Walks the whole window (it is bounded by MAXLEN) a page at a time and deletes the matching entries. */
  async purge(match: (e: EventEnvelope) => boolean): Promise<number> {
    let removed = 0;
    let from = '-';
    for (;;) {
      const rows = await this.writer.xrange(STREAM, from, '+', 'COUNT', 1000);
      if (!rows.length) return removed;
      const ids = rows.filter(([id, fields]) => match(decodeEnvelope(id, fields))).map(([id]) => id);
      if (ids.length) removed += await this.writer.xdel(STREAM, ...ids);
      from = `(${rows[rows.length - 1][0]}`;
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    this.reader?.disconnect();
    await this.loop?.catch(() => undefined);
  }
}
