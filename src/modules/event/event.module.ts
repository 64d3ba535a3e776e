import { Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { createRedis, REDIS, type RedisClient } from '../../infra/redis/redis.provider';
import { EventBus } from './event.bus';
import { EventController } from './event.controller';
import { EventStreamService } from './event-stream.service';
import { EVENT_TRANSPORT } from './event.tokens';
import { MemoryEventTransport } from './event.transport.memory';
import { RedisEventTransport } from './event.transport.redis';
import { StreamGuard } from './stream-guard.service';

/** The bus (Redis fan-out) and the SSE routes; directory → project, teacher scope and
 * the callers' current rights come in through ports; StreamGuard closes streams whose rights ended. */
@Module({
  controllers: [EventController],
  providers: [
    {
      provide: EVENT_TRANSPORT,
      inject: [APP_CONFIG, REDIS, LOGGER],
      useFactory: (config: AppConfig, redis: RedisClient, logger: Logger) =>
        redis
          ? new RedisEventTransport(
              redis,
              () => createRedis(config.redisUrl, 'events', true)!,
              config.eventReplaySize,
              logger,
            )
          : new MemoryEventTransport(config.eventReplaySize),
    },
    EventBus,
    EventStreamService,
    StreamGuard,
  ],
  exports: [EventBus, EventStreamService, StreamGuard],
})
export class EventModule {}
