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

/** The bus (Redis fan-out) and the SSE routes; directory → project and teacher scope come in through ports. */
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
  ],
  exports: [EventBus, EventStreamService],
})
export class EventModule {}
