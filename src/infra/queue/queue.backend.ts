import { createPostgresBackend, LATEST_SCHEMA_VERSION, runMigrations } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { SchemaStep } from '../database/embedded-postgres';

export const QUEUE_BACKEND = Symbol('QUEUE_BACKEND');

/** How BullMQ connects: Redis when REDIS_URL is set, else its own PostgreSQL backend on our database. */
export interface QueueBackend {
  kind: 'redis' | 'postgres';
  /** Backend factory for BullMQ classes (undefined = Redis default). */
  factory?: typeof createPostgresBackend;
  connection(blocking?: boolean): RedisOptions | Record<string, unknown>;
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
  return {
    kind: 'postgres',
    factory: createPostgresBackend,
    // Embedded: fewer server processes, each one counts in the machine's memory.
    connection: () => ({ connectionString: opts.databaseUrl, migrate: true, max: opts.embedded ? 2 : 4 }),
    close: async () => undefined,
  };
}

/**
 * BullMQ's Postgres schema as a step of the embedded database: applied at boot (and so part of the embedded
 * database's snapshot) instead of through the first queue connection.
 */
export function queueSchemaStep(): SchemaStep {
  return {
    name: 'bullmq',
    version: String(LATEST_SCHEMA_VERSION),
    apply: (client) => runMigrations(client as unknown as Parameters<typeof runMigrations>[0]),
  };
}
