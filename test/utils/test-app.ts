import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startApi, type RunningApp } from '../../src/bootstrap/create-app';
import { loadConfig, type AppConfig } from '../../src/core/config/app-config';
import { REDIS, type RedisClient } from '../../src/infra/redis/redis.provider';
import { leaseRedisDb, testRedisUrl, type RedisLease } from './redis-lease';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  /** Base URL, e.g. http://127.0.0.1:43121 */
  url: string;
  /** A platform administrator's key (the bootstrap tenant "demo"). */
  adminKey: string;
  config: AppConfig;
  running: RunningApp;
  /** The per-app database (undefined when the caller passed DATABASE_URL). */
  database?: TestDatabase;
  /** The Redis URL the app uses (a leased database index), when REDIS_URL is set. */
  redisUrl?: string;
  dataDir: string;
  close(): Promise<void>;
}

export type EnvOverrides = Record<string, string | undefined>;

/**
 * Boots the real API (startApi(loadConfig(env))) on an ephemeral port with a fresh database. With DATABASE_URL
 * set, a copy of the migrated template; without it, a copy in the run's throwaway embedded PostgreSQL. With REDIS_URL,
 * a Redis database index leased for this app. Workers run inside the app unless WORKERS_IN_API says otherwise,
 * so jobs complete without a separate worker. An override set to undefined removes that variable.
 */
export async function startTestApp(overrides: EnvOverrides = {}): Promise<TestApp> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'oc-test-'));
  const adminKey = `oc_test_${randomBytes(18).toString('base64url')}`;
  let database: TestDatabase | undefined;
  let lease: RedisLease | undefined;
  const cleanup = async () => {
    await database?.close().catch(() => undefined);
    await lease?.release().catch(() => undefined);
    await fs.rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const env: EnvOverrides = {
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATA_DIR: dataDir,
      BOOTSTRAP_API_KEY: adminKey,
      WORKERS_IN_API: 'true',
      SHUTDOWN_GRACE_MS: '1000',
      // The app shares its event loop with jest: a worker's collector pause is not the server's overload. The gate's
      // own spec (operations/overload) sets a limit.
      OVERLOAD_LAG_MS: '0',
    };
    if (!('DATABASE_URL' in overrides)) {
      // A copy of the migrated template, on DATABASE_URL's server or the run's embedded one (test-database.ts).
      database = await createTestDatabase();
      env.DATABASE_URL = database.url;
    }
    const redisBase = 'REDIS_URL' in overrides ? undefined : testRedisUrl();
    if (redisBase) {
      lease = await leaseRedisDb(redisBase);
      env.REDIS_URL = lease.url;
    }
    Object.assign(env, overrides);
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const config = loadConfig(env as NodeJS.ProcessEnv);
    const running = await startApi(config);
    let closed = false;
    return {
      url: running.url,
      adminKey: env.BOOTSTRAP_API_KEY ?? running.demoKey ?? adminKey,
      config,
      running,
      database,
      redisUrl: env.REDIS_URL,
      dataDir,
      async close() {
        if (closed) return;
        closed = true;
        // InfraModule's shared Redis client outlives app.close() (nothing quits it); close it so Jest can exit.
        const redis = running.app.get<RedisClient>(REDIS, { strict: false });
        const started = Date.now();
        await running.close();
        // The app bounds its own shutdown; a close this slow means a hook overran, which CI's log should show.
        const took = Date.now() - started;
        if (took > 10_000) console.warn(`[test-app] app.close() took ${took} ms (a shutdown hook overran its bound)`);
        redis?.disconnect();
        await cleanup();
      },
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
