import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../core/config/app-config';
import { HostPaths } from '../core/http/host-paths';
import { LOGGER } from '../core/logging/logger';
import { FairnessService } from './fairness/fairness.service';
import { InfraMetrics } from './metrics/infra-metrics';
import { MetricsService } from './metrics/metrics.service';
import { DATABASE_RUNTIME, type DatabaseRuntime } from './database/database.runtime';
import { PrismaService } from './database/prisma.service';
import { ProcessLiveness } from './database/process-liveness';
import { createQueueBackend, QUEUE_BACKEND } from './queue/queue.backend';
import { QueueService } from './queue/queue.service';
import { createRedis, REDIS, RedisCloser, type RedisClient } from './redis/redis.provider';

export interface InfraOptions {
  config: AppConfig;
  database: DatabaseRuntime;
  logger: Logger;
}

/** Config, logger, database, Redis, queues and metrics, decided before Nest boots and shared by every module. */
@Global()
@Module({})
export class InfraModule {
  static forRoot(opts: InfraOptions): DynamicModule {
    return {
      module: InfraModule,
      providers: [
        { provide: APP_CONFIG, useValue: opts.config },
        { provide: LOGGER, useValue: opts.logger },
        { provide: DATABASE_RUNTIME, useValue: opts.database },
        { provide: REDIS, useFactory: () => createRedis(opts.config.redisUrl, 'main') },
        { provide: RedisCloser, inject: [REDIS], useFactory: (client: RedisClient) => new RedisCloser(client) },
        {
          provide: QUEUE_BACKEND,
          useFactory: () =>
            createQueueBackend({
              redisUrl: opts.config.redisUrl,
              databaseUrl: opts.database.url,
              embedded: opts.database.embedded,
            }),
        },
        { provide: HostPaths, useFactory: () => new HostPaths(opts.config) },
        PrismaService,
        ProcessLiveness,
        QueueService,
        MetricsService,
        InfraMetrics,
        FairnessService,
      ],
      exports: [
        APP_CONFIG,
        LOGGER,
        DATABASE_RUNTIME,
        REDIS,
        QUEUE_BACKEND,
        PrismaService,
        ProcessLiveness,
        QueueService,
        MetricsService,
        FairnessService,
        HostPaths,
      ],
    };
  }
}
