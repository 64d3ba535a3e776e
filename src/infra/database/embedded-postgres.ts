import { createHash } from 'node:crypto';
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

/** Something that owns tables in the embedded database and brings them up to date (Prisma's migrations, BullMQ's). */
export interface SchemaStep {
  name: string;
  /** Changes whenever `apply` would create something new: it keys the snapshots below. */
  version: string;
  apply(db: PGlite): Promise<unknown>;
}

export interface EmbeddedPostgresOptions {
  /** Where the cluster lives; in memory when unset. */
  dataDir?: string;
  /** Applied in order, in-process, before the socket opens; each must be a no-op when its schema is current. */
  schema?: SchemaStep[];
  /**
   * A folder for snapshots of a freshly initialised and migrated cluster. A new cluster (in memory, or an empty
   * dataDir) starts from the matching snapshot instead of running initdb, which is most of a cold start and leaves
   * initdb's memory behind in the process.
   */
  templateDir?: string;
  maxConnections?: number;
}

// The session the whole process shares. BullMQ pins search_path through a startup option that pglite-socket ignores.
const SESSION_SETUP = 'CREATE SCHEMA IF NOT EXISTS bullmq; SET search_path TO public, bullmq';

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (opts.dataDir) fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  const fresh = !opts.dataDir || !fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'));
  const templateFile = fresh && opts.templateDir ? path.join(opts.templateDir, `pglite-${templateKey(opts.schema ?? [])}.tar`) : undefined;
  const template = templateFile ? readTemplate(templateFile) : undefined;
  const db: PGlite = await PGlite.create({ dataDir: opts.dataDir ?? 'memory://', loadDataDir: template });
  try {
    for (const step of opts.schema ?? []) await step.apply(db);
    if (templateFile && !template) await writeTemplate(db, templateFile);
    await db.exec(SESSION_SETUP);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
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

/** Snapshots are valid for one PGlite build and one version of each schema step. */
function templateKey(steps: SchemaStep[]): string {
  // The package exports no package.json; it sits one folder above the entry point (dist/index.cjs).
  const manifest = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const pglite = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string };
  const hash = createHash('sha256').update(pglite.version).update(SESSION_SETUP);
  for (const step of steps) hash.update(step.name).update(step.version);
  return hash.digest('hex').slice(0, 16);
}

function readTemplate(file: string): Blob | undefined {
  try {
    return new Blob([fs.readFileSync(file)]);
  } catch {
    return undefined;
  }
}

/** Best effort: a read-only or full disk only costs the next fresh start its initdb. */
async function writeTemplate(db: PGlite, file: string): Promise<void> {
  try {
    await db.exec(SESSION_SETUP);
    // Flush shared buffers so the files alone hold the whole state (no WAL replay when loaded).
    await db.exec('CHECKPOINT');
    const tar = Buffer.from(await (await db.dumpDataDir('none')).arrayBuffer());
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}.partial`;
    fs.writeFileSync(partial, tar);
    fs.renameSync(partial, file);
    // Snapshots of older migrations or PGlite builds will not be read again.
    for (const other of fs.readdirSync(path.dirname(file))) {
      if (/^pglite-[0-9a-f]{16}\.tar$/.test(other) && other !== path.basename(file)) fs.rmSync(path.join(path.dirname(file), other), { force: true });
    }
  } catch {
    // fall through: the database itself is fine
  }
}
