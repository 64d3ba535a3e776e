import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseSeq } from './event.transport.memory';
import type { EventEnvelope, EventTransport } from './event.types';
import { decodeEnvelope, encodeEnvelope } from './event.wire';

const STREAM = 'oc:events';

/**
 * XADDs of a batch in one script: KEYS[1] the stream, ARGV[1] its MAXLEN, then each entry's four fields (as
 * encodeEnvelope makes them). Each entry's id, or false for one that failed (the others are kept, as in a MULTI).
 */
const APPEND_MANY = `local ids = {}
for i = 2, #ARGV, 4 do
  local ok, id = pcall(redis.call, 'XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
  ids[#ids + 1] = ok and id or false
end
return ids`;

interface AppendMany {
  /** `args`: the MAXLEN, then the entries' fields (one array: a batch may be larger than a call's arguments). */
  ocAppendEvents(stream: string, args: string[]): Promise<(string | null)[]>;
}

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
  ) {
    // ioredis sends the script by its hash, and the script itself once when Redis does not have it.
    if (!('ocAppendEvents' in writer)) writer.defineCommand('ocAppendEvents', { numberOfKeys: 1, lua: APPEND_MANY });
  }

  /**
   * Appends published by one synchronous run of code (a prompt's part updates, status changes, a tick's deltas) go
   * out as one command: one write and one reply instead of one round trip each. One connection keeps them in order.
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
    if (batch.length === 1) {
      const [b] = batch;
      this.writer.xadd(STREAM, 'MAXLEN', '~', maxLen, '*', ...b.fields).then((id) => b.resolve(id!), b.reject);
      return;
    }
    // One command for the whole batch: a MULTI costs the client a command, a promise and a QUEUED reply per entry
    // (most of an event's Redis cost at hundreds of streams). A script runs as one, as a MULTI does: a reader
    // blocked in XREAD gets the whole batch in one answer, not its first entry alone.
    const args = [maxLen];
    for (const b of batch) args.push(...b.fields);
    (this.writer as Redis & AppendMany).ocAppendEvents(STREAM, args).then(
      (ids) =>
        batch.forEach((b, i) => {
          const id = ids[i];
          if (typeof id === 'string') b.resolve(id);
          else b.reject(new Error('the event append failed'));
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
