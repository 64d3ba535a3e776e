import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';

// One fresh database per test file (STYLE rule 17): a copy of a template database that holds the migrated schema
// (CREATE DATABASE … TEMPLATE takes ~0.1 s; migrating takes seconds). The server is DATABASE_URL's; without it, a
// throwaway embedded PostgreSQL that the global setup starts for the whole run (OC_TEST_EMBEDDED_PG_URL).

const ROOT = path.resolve(__dirname, '..', '..');
const MIGRATIONS = path.join(ROOT, 'prisma', 'migrations');
/** Per-file databases are named `oc_t_<unix seconds>_<random>` so stale ones can be recognised by age. */
const DB_PREFIX = 'oc_t_';
const STALE_AFTER_S = 3 * 3600;

export interface TestDatabase {
  url: string;
  name: string;
  close(): Promise<void>;
}

/** Set by the global setup when the run has no DATABASE_URL: the throwaway embedded cluster's URL. */
export const EMBEDDED_SERVER_ENV = 'OC_TEST_EMBEDDED_PG_URL';

/** The server URL tests run against: DATABASE_URL, or the run's embedded cluster. */
export function testServerUrl(): string | undefined {
  return process.env.DATABASE_URL || process.env[EMBEDDED_SERVER_ENV] || undefined;
}

export function databaseUrl(serverUrl: string, database: string): string {
  const u = new URL(serverUrl); // a socket folder rides in `?host=`, so this works for the embedded cluster too
  u.pathname = `/${database}`;
  return u.toString();
}

function migrationFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? migrationFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

/**
 * The template's name depends on the migrations' content, so a schema change (or another engineer's branch
 * with other migrations on the same server) gets its own template and nobody migrates a shared one under a
 * running test.
 */
export function templateName(): string {
  const h = createHash('sha256');
  for (const f of migrationFiles(MIGRATIONS))
    h.update(path.relative(MIGRATIONS, f)).update('\0').update(fs.readFileSync(f));
  return `oc_tpl_${h.digest('hex').slice(0, 16)}`;
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

const quote = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * Creates and migrates the template once (idempotent, safe when several jest runs start together: an advisory
 * lock serialises builders, and the template only gets its final name once fully migrated).
 */
export async function ensureTemplate(serverUrl: string): Promise<string> {
  const name = templateName();
  await withClient(serverUrl, async (c) => {
    const exists = async (db: string) =>
      (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [db])).rowCount === 1;
    if (await exists(name)) return;
    await c.query('SELECT pg_advisory_lock(hashtext($1))', ['opencode-api:test-template']);
    try {
      if (await exists(name)) return;
      const building = `${name}_build`;
      await c.query(`DROP DATABASE IF EXISTS ${quote(building)} WITH (FORCE)`);
      await c.query(`CREATE DATABASE ${quote(building)}`);
      const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'prisma.cjs'), 'migrate', 'deploy'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: databaseUrl(serverUrl, building), PRISMA_HIDE_UPDATE_MESSAGE: '1' },
        encoding: 'utf8',
      });
      if (r.status !== 0 || !/applied|No pending migrations/i.test(r.stdout + r.stderr)) {
        throw new Error(`migrating the test template failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
      }
      await c.query(`ALTER DATABASE ${quote(building)} RENAME TO ${quote(name)}`);
    } finally {
      await c.query('SELECT pg_advisory_unlock(hashtext($1))', ['opencode-api:test-template']);
    }
  });
  return name;
}

/** Drops per-file databases left behind by runs that were killed (older than a few hours). */
export async function dropStaleTestDatabases(serverUrl: string): Promise<number> {
  return withClient(serverUrl, async (c) => {
    const rows = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${DB_PREFIX}%`,
    ]);
    const now = Math.floor(Date.now() / 1000);
    let dropped = 0;
    for (const { datname } of rows.rows) {
      const born = Number(datname.slice(DB_PREFIX.length).split('_')[0]);
      if (Number.isFinite(born) && now - born > STALE_AFTER_S) {
        await c.query(`DROP DATABASE IF EXISTS ${quote(datname)} WITH (FORCE)`).catch(() => undefined);
        dropped++;
      }
    }
    return dropped;
  });
}

async function createFromTemplate(serverUrl: string): Promise<TestDatabase> {
  const template = await ensureTemplate(serverUrl);
  const name = `${DB_PREFIX}${Math.floor(Date.now() / 1000)}_${randomBytes(5).toString('hex')}`;
  await withClient(serverUrl, async (c) => {
    // Two files copying the template at the same instant can see each other's copy as "another user" of it.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(template)}`);
        return;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
  });
  let closed = false;
  return {
    url: databaseUrl(serverUrl, name),
    name,
    async close() {
      if (closed) return;
      closed = true;
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${quote(name)} WITH (FORCE)`));
    },
  };
}

/**
 * The embedded cluster's `opencode` database comes migrated (Prisma and BullMQ) from the cluster snapshot: the
 * template is a copy of it, so no Prisma CLI run.
 */
export async function ensureEmbeddedTemplate(serverUrl: string, migrated: string): Promise<string> {
  const name = templateName();
  await withClient(databaseUrl(serverUrl, 'postgres'), async (c) => {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${quote(name)} TEMPLATE ${quote(migrated)}`);
  });
  return name;
}

/** A fresh, migrated database for one test file. Call `close()` in afterAll. */
export function createTestDatabase(): Promise<TestDatabase> {
  const server = testServerUrl();
  if (!server)
    throw new Error(
      `No database server: set DATABASE_URL, or run through jest's global setup (it starts an embedded one as ${EMBEDDED_SERVER_ENV})`,
    );
  return createFromTemplate(server);
}
