import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { parseSeq } from './event.transport.memory';
import type { EventEnvelope, EventTransport } from './event.types';
import { decodeEnvelope, encodeEnvelope } from './event.wire';

const STREAM = 'oc:events';

/**
 * Appends a flush's entries in one step and answers with the id of the entry that was last in the stream before them
 * (`0-0` when none), then their ids: ARGV is the MAXLEN, then per entry its field count and fields.
 */
const APPEND_SCRIPT = `
redis.replicate_commands()
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local out = { top[1] and top[1][1] or '0-0' }
local i = 2
while i <= #ARGV do
  local n = tonumber(ARGV[i])
  out[#out + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, i + 1, i + n))
  i = i + n + 1
end
return out`;

type AppendingRedis = Redis & { ocEventAppend(key: string, ...args: string[]): Promise<string[]> };

/** Stream ids compare as (ms, seq) pairs. */
function after(a: string, b: string): boolean {
  const [am, as] = a.split('-');
  const [bm, bs] = b.split('-');
  return am.length !== bm.length ? am.length > bm.length : am !== bm ? am > bm : Number(as) > Number(bs);
}

/**
 * Multi-process transport: one Redis stream is both the fan-out (every API process tails it with XREAD) and the
 * bounded replay window (MAXLEN ~N) behind `Last-Event-ID`. Stream ids are the SSE cursors.
 *
 * A process's own events are handed to its subscribers as soon as their append is answered, not when its reader
 * reads them back, whenever that keeps the stream's order: the append says which entry was last before it, and
 * when this process has delivered exactly up to that entry, nothing of another process's can fall in between. The
 * reader then skips what was delivered so. Otherwise (another process appended meanwhile, or the reader is behind)
 * the reader delivers them in their turn, as before.
 */
export class RedisEventTransport implements EventTransport {
  readonly shared = true;
  private running = false;
  private reader?: Redis;
  private loop?: Promise<void>;
  private handler?: (e: EventEnvelope) => void;
  /** The last stream id handed to the handler, by the reader or by an append's answer. */
  private delivered = '0-0';

  constructor(
    private readonly writer: Redis,
    private readonly createReader: () => Redis,
    private readonly capacity: number,
    private readonly logger: Logger,
  ) {
    writer.defineCommand('ocEventAppend', { numberOfKeys: 1, lua: APPEND_SCRIPT });
  }

  /**
   * Appends published by one synchronous run of code (a prompt's part updates, status changes) go out as one
   * pipeline: one write and one reply instead of one round trip each. One connection keeps them in order.
   */
  append(envelope: Omit<EventEnvelope, 'seq'>, opts?: { now?: boolean }): Promise<string> {
    return new Promise((resolve, reject) => {
      // nextTick, not later: the append must be on its way before the HTTP answer that follows the publish.
      if (this.pending.push({ fields: encodeEnvelope(envelope), resolve, reject }) === 1 && !opts?.now)
        process.nextTick(() => this.flush());
      // Not after the rest of this turn's work (an answer's first piece: the rest of the reply is handled after it).
      if (opts?.now) this.flush();
    });
  }

  private pending: { fields: string[]; resolve: (id: string) => void; reject: (err: unknown) => void }[] = [];

  private flush(): void {
    const batch = this.pending;
    if (!batch.length) return; // sent earlier in the turn by an append `now`
    this.pending = [];
    const args = [String(Math.max(this.capacity, 1))];
    for (const b of batch) args.push(String(b.fields.length), ...b.fields);
    (this.writer as AppendingRedis).ocEventAppend(STREAM, ...args).then(
      ([before, ...ids]) => {
        if (ids.length !== batch.length) {
          const err = new Error('no reply to the event append');
          return batch.forEach((b) => b.reject(err));
        }
        // In order right after what this process delivered last: delivered now, and skipped by the reader.
        const inTurn = this.handler && before === this.delivered;
        if (inTurn) this.delivered = ids[ids.length - 1];
        batch.forEach((b, i) => {
          if (inTurn) this.hand(ids[i], b.fields);
          b.resolve(ids[i]);
        });
      },
      (err) => batch.forEach((b) => b.reject(err)),
    );
  }

  private hand(id: string, fields: string[]): void {
    try {
      this.handler?.(decodeEnvelope(id, fields));
    } catch (err) {
      this.logger.error({ err }, 'event handler failed');
    }
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
    this.delivered = last;
    this.handler = handler;
    this.loop = (async () => {
      while (this.running) {
        try {
          const res = (await this.reader!.xread('COUNT', 500, 'BLOCK', 1000, 'STREAMS', STREAM, last)) as
            [string, [string, string[]][]][] | null;
          if (!res) continue;
          for (const [id, fields] of res[0][1]) {
            last = id;
            if (!after(id, this.delivered)) continue; // delivered when its append was answered
            this.delivered = id;
            this.hand(id, fields);
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
    this.handler = undefined;
    this.reader?.disconnect();
    await this.loop?.catch(() => undefined);
  }
}
