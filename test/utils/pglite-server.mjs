// Embedded Postgres for tests without DATABASE_URL: PGlite (in memory) on a loopback socket, in a child
// process of its own because Jest's CommonJS sandbox cannot run PGlite's dynamic imports. Prints one JSON line
// `{"url": …}` when ready; stops when its stdin closes (the parent died or closed it) or on SIGTERM.
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

const db = await PGlite.create('memory://');
// Same session setup as src/infra/database/embedded-postgres.ts: BullMQ's search_path startup option is ignored.
await db.exec('CREATE SCHEMA IF NOT EXISTS bullmq; SET search_path TO public, bullmq');
const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 100 });
keepExtendedQueriesTogether(server, db);
await server.start();
process.stdout.write(JSON.stringify({ url: `postgresql://postgres:postgres@${server.getServerConn()}/postgres` }) + '\n');

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await server.stop().catch(() => undefined);
  await db.close().catch(() => undefined);
  process.exit(0);
}
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * pglite-socket 0.2.17 queues each protocol MESSAGE separately, so when two connections use the extended
 * protocol at once their Parse/Bind/Execute messages interleave on PGlite's single session and clobber each
 * other's unnamed statement ("bind message supplies 2 parameters, but prepared statement "" requires 4").
 * Here a connection that started an extended-protocol sequence keeps PGlite until its Sync; a simple Query,
 * the startup packet and Sync itself end the claim. Transactions keep the library's own stickiness.
 */
function keepExtendedQueriesTogether(server, db) {
  const q = server.queryQueue;
  const OPENS_SEQUENCE = new Set([0x50, 0x42, 0x44, 0x45, 0x43, 0x48]); // P B D E C H
  let owner = null;
  q.processQueue = async function processQueue() {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const sticky = db.isInTransaction() && this.lastHandlerId ? this.lastHandlerId : owner;
        let index = 0;
        if (sticky !== null && sticky !== undefined) {
          index = this.queue.findIndex((m) => m.handlerId === sticky);
          if (index < 0) break; // the owner's next message has not arrived yet
        }
        const item = this.queue.splice(index, 1)[0];
        let bytes = 0;
        try {
          await db.runExclusive(() => db.execProtocolRawStream(item.message, { onRawData: (d) => { bytes += d.length; item.onData(d); } }));
        } catch (err) {
          owner = null;
          item.reject(err);
          continue;
        }
        this.lastHandlerId = item.handlerId;
        owner = OPENS_SEQUENCE.has(item.message[0]) ? item.handlerId : null;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (id) => {
    if (owner === id) owner = null;
    clear(id);
    if (!q.processing) void q.processQueue();
  };
}
