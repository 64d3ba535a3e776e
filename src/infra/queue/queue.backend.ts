import { createPostgresBackend, DEFAULT_SCHEMA } from 'bullmq';
import pg from 'pg';
import type { RedisOptions } from 'ioredis';

export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');

/** How BullMQ connects: Redis when REDIS_URL is set, else its own PostgreSQL backend on our database. */
export interface QueueBackend {
  kind: 'redis' | 'postgres';
  /** Backend factory for BullMQ classes (undefined = Redis default). */
  factory?: typeof createPostgresBackend;
  connection(blocking?: boolean): RedisOptions | Record<string, unknown> | pg.Pool;
  close(): Promise<void>;
}

export function redisOptions(url: string, blocking = false): RedisOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    username: u.username || undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined,
    // BullMQ workers need blocking commands to wait forever; producers should fail fast when Redis is down.
    maxRetriesPerRequest: blocking ? null : 2,
    enableOfflineQueue: true,
    // Reconnect at most a second apart (BullMQ's default grows to 20 s), so workers and listeners resume promptly
    // after an outage.
    retryStrategy: (times: number) => Math.min(times * 200, 1000),
  };
}

export function createQueueBackend(opts: { redisUrl?: string; databaseUrl: string; embedded: boolean }): QueueBackend {
  if (opts.redisUrl) {
    const url = opts.redisUrl;
    return { kind: 'redis', connection: (blocking) => redisOptions(url, blocking), close: async () => undefined };
  }
  if (opts.embedded) return sharedPoolBackend(opts.databaseUrl);
  return {
    kind: 'postgres',
    factory: createPostgresBackend,
    connection: () => ({ connectionString: opts.databaseUrl, migrate: true, max: 4 }),
    close: async () => undefined,
  };
}

/**
 * The embedded database: every queue, worker and event listener on ONE pool instead of a pool (and a LISTEN
 * connection) each, because every connection is a server process whose memory counts on the machine: 4 LISTEN
 * clients (2 workers, at most 2 event listeners) and the queries share 8. The schema is already there (the
 * embedded database's schema step), and a pool of ours must pin BullMQ's search_path itself. Connections idle
 * for a second close (the LISTEN clients stay checked out).
 */
function sharedPoolBackend(databaseUrl: string): QueueBackend {
  let pool: pg.Pool | undefined;
  return {
    kind: 'postgres',
    factory: createPostgresBackend,
    connection: () =>
      (pool ??= new pg.Pool({
        connectionString: databaseUrl,
        max: 8,
        options: `-c search_path="${DEFAULT_SCHEMA}"`,
        // The workers' start-up burst opens four; an idle one is a server process (about 15 MB resident, 3 MB of
        // its own) while a new one costs a few milliseconds on the Unix socket: close them after a second.
        idleTimeoutMillis: 1000,
      })),
    close: async () => {
      await pool?.end();
      pool = undefined;
    },
  };
}
