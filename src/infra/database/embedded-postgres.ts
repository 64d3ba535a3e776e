import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// Zero-setup mode: PGlite (Postgres in WASM) served on a loopback socket, so Prisma, its migrations and
// BullMQ's Postgres backend all talk the ordinary wire protocol. All sockets share ONE backend session,
// so session state (search_path) is set once here for everyone.

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dataDir?: string; maxConnections?: number }): Promise<EmbeddedPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  let db: PGlite;
  if (opts.dataDir) {
    fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
    db = await PGlite.create(opts.dataDir);
  } else {
    db = await PGlite.create('memory://');
  }
  // BullMQ pins search_path through a startup option that pglite-socket ignores.
  await db.exec('CREATE SCHEMA IF NOT EXISTS bullmq; SET search_path TO public, bullmq');
  const server: PGLiteSocketServer = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: opts.maxConnections ?? 100 });
  keepExtendedQueriesWhole((server as unknown as { queryQueue: QueryQueue }).queryQueue, db);
  await server.start();
  const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres`;
  return {
    url,
    async stop() {
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(err: unknown): void;
  onData(data: Uint8Array): void;
}

interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

const SYNC = 0x53; // 'S'
const SIMPLE_QUERY = 0x51; // 'Q'

/**
 * pglite-socket runs every protocol message of every connection on one shared backend, one message at a time,
 * keeping a connection's affinity only inside explicit transactions. An extended-protocol exchange (Parse, Bind,
 * Describe, Execute … Sync) from one connection can then interleave with another's and bind to the wrong
 * unnamed statement ("bind message supplies 4 parameters, but prepared statement requires 3"). This keeps each
 * connection's exchange whole: once it sends an extended message, only it is served until its Sync.
 */
function keepExtendedQueriesWhole(q: QueryQueue, db: PGlite): void {
  let owner: number | null = null;
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (owner === handlerId) owner = null;
    if (q.lastHandlerId === handlerId && !db.isInTransaction()) q.lastHandlerId = null;
    if (!q.processing) void q.processQueue();
  };
  q.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const pinned = owner ?? (db.isInTransaction() ? this.lastHandlerId : null);
        const index = pinned === null ? 0 : this.queue.findIndex((m) => m.handlerId === pinned);
        if (index === -1) break; // wait for the pinned connection's next message
        const [item] = this.queue.splice(index, 1);
        const kind = item.message[0];
        let bytes = 0;
        try {
          await db.runExclusive(() => db.execProtocolRawStream(item.message, { onRawData: (d: Uint8Array) => ((bytes += d.length), item.onData(d)) }));
        } catch (err) {
          if (owner === item.handlerId) owner = null;
          item.reject(err);
          continue;
        }
        owner = kind === SYNC || kind === SIMPLE_QUERY ? null : item.handlerId;
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
}
