import type { PGlite } from '@electric-sql/pglite';

// pglite-socket serves every connection on ONE PGlite backend through one queue of protocol messages. Two of
// its behaviours break ordinary clients, and this module replaces the queue's scheduler to fix both:
//  - it runs messages one at a time in arrival order, so one connection's extended-protocol exchange (Parse,
//    Bind, Describe, Execute … Sync) can interleave with another's and bind to the wrong unnamed statement
//    ("bind message supplies 4 parameters, but prepared statement requires 3");
//  - a NOTIFY's NotificationResponse comes out of the shared backend in the reply to whichever connection
//    committed it, so the connections that ran LISTEN (BullMQ's workers and QueueEvents) never hear it and
//    fall back to slow polling.
// It also lets request work go first: connections that announce `application_name=<BACKGROUND_APP>` at startup
// (BullMQ's, see queue.backend.ts) are served when no other connection waits, or once their oldest message has
// waited BACKGROUND_MAX_WAIT_MS, so a title or summary job running at once does not slow the prompt beside it.

interface QueuedMessage {
  handlerId: number;
  /** When the message was queued (ms). */
  timestamp: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(err: unknown): void;
  onData(data: Uint8Array): void;
}

/** The parts of pglite-socket's (private) QueryQueueManager this module replaces. */
export interface WireQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

const SYNC = 0x53; // 'S'
const SIMPLE_QUERY = 0x51; // 'Q'
const PARSE = 0x50; // 'P'
const NOTIFICATION = 0x41; // 'A'
const STARTUP = 0x00; // no type byte: the packet opens with its length, whose top byte is 0
const LISTEN = /^\s*listen\s/im;
export const BACKGROUND_APP = 'oc-background';
const BACKGROUND_MAX_WAIT_MS = 250;
const BACKGROUND_STARTUP = Buffer.from(`application_name\0${BACKGROUND_APP}\0`, 'latin1');

export function installWireQueue(q: WireQueue, db: PGlite): void {
  let owner: number | null = null;
  // Connections that ran LISTEN, with the writer of their socket.
  const listeners = new Map<number, (data: Uint8Array) => void>();
  const background = new Set<number>();
  const next = (queue: QueuedMessage[]): number => {
    if (background.size === 0 || !background.has(queue[0].handlerId) || Date.now() - queue[0].timestamp >= BACKGROUND_MAX_WAIT_MS) return 0;
    const foreground = queue.findIndex((m) => !background.has(m.handlerId));
    return foreground === -1 ? 0 : foreground;
  };

  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    listeners.delete(handlerId);
    background.delete(handlerId);
    if (owner === handlerId) owner = null;
    if (q.lastHandlerId === handlerId && !db.isInTransaction()) q.lastHandlerId = null;
    if (!q.processing) void q.processQueue();
  };

  q.processQueue = async function processQueue(this: WireQueue): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const pinned = owner ?? (db.isInTransaction() ? this.lastHandlerId : null);
        const index = pinned === null ? next(this.queue) : this.queue.findIndex((m) => m.handlerId === pinned);
        if (index === -1) break; // wait for the pinned connection's next message
        const [item] = this.queue.splice(index, 1);
        const kind = item.message[0];
        // The startup packet names the application.
        if (kind === STARTUP && Buffer.from(item.message.buffer, item.message.byteOffset, item.message.byteLength).includes(BACKGROUND_STARTUP)) background.add(item.handlerId);
        if ((kind === SIMPLE_QUERY || kind === PARSE) && LISTEN.test(Buffer.from(item.message.buffer, item.message.byteOffset, item.message.byteLength).toString('latin1', 5))) {
          listeners.set(item.handlerId, item.onData);
        }
        const scanner = listeners.size > 0 ? new NotificationScanner() : undefined;
        let bytes = 0;
        try {
          await db.runExclusive(() =>
            db.execProtocolRawStream(item.message, {
              onRawData: (d: Uint8Array) => {
                bytes += d.length;
                scanner?.feed(d);
                item.onData(d);
              },
            }),
          );
        } catch (err) {
          if (owner === item.handlerId) owner = null;
          item.reject(err);
          continue;
        }
        // Only an extended-protocol message opens an exchange; a Query, a Sync or the startup packet leaves none.
        owner = kind === SYNC || kind === SIMPLE_QUERY || kind === STARTUP ? null : item.handlerId;
        this.lastHandlerId = item.handlerId;
        for (const note of scanner?.found ?? []) {
          for (const [handlerId, write] of listeners) if (handlerId !== item.handlerId) write(note);
        }
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
}

/**
 * Walks a reply as it streams out (chunks may split messages anywhere) and keeps a copy of each
 * NotificationResponse; every other message is skipped by its length, without copying.
 */
export class NotificationScanner {
  readonly found: Uint8Array[] = [];
  private header = new Uint8Array(5); // type byte + int32 length (which counts itself)
  private headerFill = 0;
  private skip = 0;
  private note?: { bytes: Uint8Array; fill: number };

  feed(d: Uint8Array): void {
    let at = 0;
    while (at < d.length) {
      if (this.note) {
        const n = Math.min(this.note.bytes.length - this.note.fill, d.length - at);
        this.note.bytes.set(d.subarray(at, at + n), this.note.fill);
        this.note.fill += n;
        at += n;
        if (this.note.fill === this.note.bytes.length) {
          this.found.push(this.note.bytes);
          this.note = undefined;
        }
      } else if (this.skip > 0) {
        const n = Math.min(this.skip, d.length - at);
        this.skip -= n;
        at += n;
      } else {
        while (this.headerFill < 5 && at < d.length) this.header[this.headerFill++] = d[at++];
        if (this.headerFill < 5) return;
        this.headerFill = 0;
        const body = new DataView(this.header.buffer).getInt32(1) - 4;
        if (this.header[0] === NOTIFICATION) {
          this.note = { bytes: new Uint8Array(5 + body), fill: 5 };
          this.note.bytes.set(this.header);
          if (body === 0) {
            this.found.push(this.note.bytes);
            this.note = undefined;
          }
        } else {
          this.skip = body;
        }
      }
    }
  }
}
