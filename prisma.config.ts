// Prisma 6.19 CLI on the WASM ("js") schema engine through @prisma/adapter-pg: no native engine
// binary has to be downloaded (none can be, offline). See docs/architecture.md for the three workarounds.
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { randomUUID } from 'node:crypto';

// adapter-pg 6.x cannot decode `name` (OID 19) and `"char"` (OID 18), which the schema engine's
// introspection returns; report them as text (OID 25).
function fixFields(res: unknown) {
  for (const r of Array.isArray(res) ? res : [res]) {
    for (const f of (r as pg.QueryResult | undefined)?.fields ?? []) {
      if (f.dataTypeID === 19 || f.dataTypeID === 18) f.dataTypeID = 25;
    }
  }
  return res;
}

class NameAsTextClient extends pg.Client {
  override query(...args: any[]): any {
    const i = args.findIndex((a) => typeof a === 'function');
    if (i >= 0) {
      const cb = args[i];
      args[i] = (err: Error, res: unknown) => cb(err, err ? res : fixFields(res));
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    return out instanceof Promise ? out.then(fixFields) : out;
  }
}

// Discrete fields: a connectionString would override `database` for the shadow database.
function pgConfig(url: string): pg.PoolConfig {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    allowExitOnIdle: true,
    Client: NameAsTextClient,
  };
}

async function admin(cfg: pg.PoolConfig, sql: string) {
  const c = new pg.Client({ ...cfg, Client: undefined } as pg.ClientConfig);
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

// adapter-pg's own connectToShadowDb() connects to the main database and drops the shadow one while
// its pool is still open; this one creates and drops a throwaway database properly.
function migrationAdapter(url: string) {
  const cfg = pgConfig(url);
  const base = new PrismaPg(cfg);
  return {
    provider: base.provider,
    adapterName: base.adapterName,
    connect: () => base.connect(),
    async connectToShadowDb() {
      const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
      await admin(cfg, `CREATE DATABASE "${database}"`);
      const adapter = await new PrismaPg({ ...cfg, database }).connect();
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose();
        await admin(cfg, `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      };
      return adapter;
    },
  };
}

// The WASM engine arms 10 s / 60 s timers it never clears: unref them so CLI commands exit promptly.
const origSetTimeout = globalThis.setTimeout;
globalThis.setTimeout = ((fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const t = origSetTimeout(fn, ms, ...args);
  if ((ms ?? 0) >= 5_000 && new Error().stack?.includes('wasm-function')) t.unref();
  return t;
}) as typeof setTimeout;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => migrationAdapter(process.env.DATABASE_URL!),
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
