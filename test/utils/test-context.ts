import type { DynamicModule, INestApplicationContext, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type AppConfig } from '../../src/core/config/app-config';
import { createLogger } from '../../src/core/logging/logger';
import { InfraModule } from '../../src/infra/infra.module';
import { REDIS, type RedisClient } from '../../src/infra/redis/redis.provider';
import { leaseRedisDb, testRedisUrl, type RedisLease } from './redis-lease';
import { createTestDatabase, type TestDatabase } from './test-database';

// For integration specs: real infra (Postgres, Redis when REDIS_URL is set) plus the domain modules a spec
// names, in a Nest application context without HTTP.

export interface TestContext {
  app: INestApplicationContext;
  config: AppConfig;
  database: TestDatabase;
  get<T>(token: Type<T> | string | symbol): T;
  close(): Promise<void>;
}

export async function createTestContext(
  modules: (Type | DynamicModule)[],
  env: Record<string, string> = {},
): Promise<TestContext> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'oc-int-'));
  const database = await createTestDatabase();
  let lease: RedisLease | undefined;
  try {
    const redisBase = testRedisUrl();
    if (redisBase && !('REDIS_URL' in env)) lease = await leaseRedisDb(redisBase);
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      SHUTDOWN_GRACE_MS: '1000',
      ...(lease ? { REDIS_URL: lease.url } : {}),
      ...env,
    });
    const logger = createLogger(config.logLevel);
    const moduleRef = await Test.createTestingModule({
      imports: [
        InfraModule.forRoot({
          config,
          database: { url: database.url, embedded: false, stop: async () => undefined },
          logger,
        }),
        ...modules,
      ],
    }).compile();
    const app = await moduleRef.init();
    return {
      app,
      config,
      database,
      get: (token) => app.get(token as never),
      async close() {
        const redis = app.get<RedisClient>(REDIS, { strict: false });
        await app.close();
        redis?.disconnect(); // not closed by app.close()
        await database.close();
        await lease?.release();
        await fs.rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await database.close().catch(() => undefined);
    await lease?.release().catch(() => undefined);
    throw err;
  }
}
