import Redis from 'ioredis';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import { redisOptions } from '../queue/queue.backend';

export const REDIS = Symbol('REDIS');

/** A Redis client, or null in embedded mode. Callers must handle null. */
export type RedisClient = Redis | null;

export function createRedis(url: string | undefined, name: string, blocking = false): RedisClient {
  if (!url) return null;
  const client = new Redis({
    ...redisOptions(url, blocking),
    connectionName: `opencode-api:${name}`,
    lazyConnect: false,
  });
  client.on('error', () => undefined); // reported by readiness; ioredis reconnects on its own
  return client;
}

/** Closes the shared client when the application shuts down (otherwise the process, or Jest, stays alive). */
export class RedisCloser {
  constructor(private readonly client: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    if (!this.client) return;
    // QUIT waits for the server's answer; a client stuck reconnecting would wait for ever.
    if (!(await settlesWithin(this.client.quit(), 2000))) this.client.disconnect();
  }
}
