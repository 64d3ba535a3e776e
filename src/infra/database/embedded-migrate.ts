import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { SchemaStep } from './embedded-postgres.cluster';

// `prisma migrate deploy` for the embedded database, run in-process on one connection at every start. The Prisma
// CLI costs a child Node process and the WASM schema engine: about 6 s even when nothing is pending. This keeps Prisma's own ledger (`_prisma_migrations`, same columns, checksum = SHA-256 of
// migration.sql), so the CLI sees the same history should anyone run it against this database later.

const LEDGER = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface LedgerRow {
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The migrations under `prisma/migrations`, oldest first (folder names start with a timestamp). */
export function readMigrations(dir: string): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

/** Applies the pending migrations; returns the names applied (none when the schema is current). */
export async function applyMigrations(db: pg.Client, migrations: Migration[]): Promise<string[]> {
  await db.query(LEDGER);
  const { rows } = await db.query<LedgerRow>(
    'SELECT migration_name, finished_at, rolled_back_at FROM "_prisma_migrations"',
  );
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new Error(
      `Migration ${failed.migration_name} failed on an earlier start and was not rolled back; the embedded database needs repair (or a fresh DATA_DIR)`,
    );
  }
  const done = new Set(rows.filter((r) => r.finished_at !== null).map((r) => r.migration_name));
  const applied: string[] = [];
  for (const m of migrations) {
    if (done.has(m.name)) continue;
    try {
      // One transaction per migration, ledger row included: a failure (or a crash) leaves neither half a schema nor
      // a row claiming it, and the next start simply tries again.
      await db.query('BEGIN');
      await db.query(m.sql);
      await db.query(
        'INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), clock_timestamp(), 1)',
        [randomUUID(), m.checksum, m.name],
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw new Error(`Migration ${m.name} failed: ${(err as Error).message}`);
    }
    applied.push(m.name);
  }
  return applied;
}

/** Prisma's schema as a step of the embedded database (its version: the migrations' names and checksums). */
export function prismaSchemaStep(dir: string): SchemaStep {
  const migrations = readMigrations(dir);
  const version = createHash('sha256');
  for (const m of migrations) version.update(m.name).update(m.checksum);
  return { name: 'prisma', version: version.digest('hex'), apply: (db) => applyMigrations(db, migrations) };
}
