import fs from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { installWireQueue, type WireQueue } from './pglite-wire-queue';

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
  installWireQueue((server as unknown as { queryQueue: WireQueue }).queryQueue, db);
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
