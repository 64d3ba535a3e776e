import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

// BullMQ queue names are global within a Redis database: two test apps with workers on the same database would
// take each other's jobs (a session job landing in an app whose Postgres lacks that session). Each test app
// therefore leases a Redis database index of its own, exclusively, across every process using this Redis
// (other jest workers, other engineers' runs). Leases are keys in database 0 with a TTL, so a killed run frees
// its slots by itself. The event stream (`oc:events`) moves along with the index, which is harmless. The bench's
// servers lease their index the same way (bench/servers/ours.ts): a bench server started on a fixed index took a
// loaded CI run's compaction jobs once a test had leased (and flushed) that index. A server started by hand on a
// fixed index is invisible to the leases: while tests run, give it a Redis of its own.

const LEASE_TTL_MS = 30 * 60_000;
const WAIT_MS = 120_000;

export interface RedisLease {
  url: string;
  db: number;
  release(): Promise<void>;
}

export function testRedisUrl(): string | undefined {
  return process.env.REDIS_URL || undefined;
}

function withDb(url: string, db: number): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** `only`: lease among these indexes alone (a bench sharing the Redis with servers started by hand on fixed ones). */
export async function leaseRedisDb(baseUrl: string, only?: number[]): Promise<RedisLease> {
  const u = new URL(baseUrl);
  const admin = new Redis({
    host: u.hostname,
    port: Number(u.port || 6379),
    password: u.password || undefined,
    db: 0,
    maxRetriesPerRequest: 2,
  });
  try {
    const reply = (await admin.config('GET', 'databases').catch(() => ['databases', '16'])) as string[];
    const count = Math.max(2, Number(reply[1]) || 16);
    const token = `${process.pid}:${randomBytes(6).toString('hex')}`;
    const deadline = Date.now() + WAIT_MS;
    while (Date.now() < deadline) {
      const all = only?.length ? only : Array.from({ length: count - 1 }, (_, i) => i + 1);
      const candidates = [...all].sort(() => Math.random() - 0.5);
      for (const db of candidates) {
        const key = `oc:test:redis-db-lease:${db}`;
        if ((await admin.set(key, token, 'PX', LEASE_TTL_MS, 'NX')) !== 'OK') continue;
        const leased = new Redis({
          host: u.hostname,
          port: Number(u.port || 6379),
          password: u.password || undefined,
          db,
          maxRetriesPerRequest: 2,
        });
        await leased.flushdb();
        await leased.quit();
        return {
          url: withDb(baseUrl, db),
          db,
          async release() {
            const r = new Redis({
              host: u.hostname,
              port: Number(u.port || 6379),
              password: u.password || undefined,
              db: 0,
              maxRetriesPerRequest: 2,
            });
            try {
              if ((await r.get(key)) === token) await r.del(key);
            } finally {
              r.disconnect();
            }
          },
        };
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(
      `no free Redis database index on ${u.host} after ${WAIT_MS} ms (start redis-server with --databases 64)`,
    );
  } finally {
    admin.disconnect();
  }
}
