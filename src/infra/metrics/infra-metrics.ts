import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';
import { QueueService } from '../queue/queue.service';
import { QueueName } from '../queue/queue.catalogue';
import { REDIS, type RedisClient } from '../redis/redis.provider';
import { MetricsService } from './metrics.service';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'prioritized'] as const;

/** The gauges read at scrape time from infrastructure: queue depths, the Postgres pool, Redis. */
@Injectable()
export class InfraMetrics {
  constructor(metrics: MetricsService, prisma: PrismaService, queues: QueueService, @Inject(REDIS) redis: RedisClient) {
    metrics.gauge('oc_queue_jobs', 'Jobs in each queue by state', ['queue', 'state'], async (g) => {
      await Promise.all(
        Object.values(QueueName).map(async (queue) => {
          const counts = await queues.queue(queue).getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) g.set({ queue, state }, counts[state] ?? 0);
        }),
      );
    });
    metrics.gauge(
      'oc_db_pool_connections',
      'Postgres pool: connections open, idle, and callers waiting',
      ['state'],
      (g) => {
        const pool = prisma.poolStats();
        g.set({ state: 'total' }, pool.total);
        g.set({ state: 'idle' }, pool.idle);
        g.set({ state: 'waiting' }, pool.waiting);
      },
    );
    metrics.gauge(
      'oc_redis_up',
      'Whether Redis answered a PING within a second (absent without Redis)',
      [],
      async (g) => {
        if (!redis) return;
        const answered = await Promise.race([
          redis.ping().then(
            () => 1,
            () => 0,
          ),
          new Promise<number>((r) => setTimeout(() => r(0), 1000).unref()),
        ]);
        g.set(answered);
      },
    );
  }
}
