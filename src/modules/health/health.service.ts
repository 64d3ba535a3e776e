import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../core/auth/auth-context';
import { ServiceUnavailableError } from '../../core/errors/domain-error';
import { VERSION } from '../../core/version';
import { PrismaService } from '../../infra/database/prisma.service';
import { QueueService } from '../../infra/queue/queue.service';
import { REDIS, type RedisClient } from '../../infra/redis/redis.provider';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';

@Injectable()
export class HealthService implements OnModuleInit {
  constructor(
    private readonly prisma: PrismaService,
    private readonly queues: QueueService,
    @Inject(REDIS) private readonly redis: RedisClient,
    private readonly sandbox: SandboxRunner,
  ) {}

  onModuleInit(): void {
    this.queues.register('maintenance.health', async () => ({ workerPid: process.pid, at: Date.now() }));
  }

  liveness() {
    return { healthy: true, version: VERSION };
  }

  async readiness() {
    const timeout = <T>(p: Promise<T>) =>
      Promise.race([p, new Promise<never>((_, r) => setTimeout(() => r(new Error('timeout')), 2000).unref())]);
    const [db, queue, events] = await Promise.all([
      timeout(this.prisma.$queryRaw`SELECT 1`).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      timeout(this.queues.ping()).then(
        () => 'ok' as const,
        () => 'down' as const,
      ),
      this.redis
        ? timeout(this.redis.ping()).then(
            () => 'ok' as const,
            () => 'down' as const,
          )
        : Promise.resolve('ok' as const),
    ]);
    // The sandbox is reported, not required: without it the server still serves everything but commands.
    const sandbox = await this.sandbox.status();
    const body = {
      ready: db === 'ok' && queue === 'ok' && events === 'ok',
      database: db,
      queue,
      queueBackend: this.queues.backendName,
      events,
      sandbox,
    };
    if (!body.ready) throw new ServiceUnavailableError('Not ready', body);
    return body;
  }

  async runHealthJob(auth: AuthContext) {
    const started = Date.now();
    const nonce = randomBytes(6).toString('hex');
    const job = await this.queues.enqueue(
      'maintenance.health',
      { tenantId: auth.tenantId, nonce },
      { jobId: `health-${nonce}` },
    );
    let result: { workerPid: number };
    try {
      result = (await this.queues.waitForResult(job, 30_000)) as { workerPid: number };
    } catch (err) {
      // No worker picked the job up in time (none running, or a polling backend): the queue is not ready.
      throw new ServiceUnavailableError(`The health job did not finish in 30 s: ${(err as Error).message}`, {
        jobId: job.id,
      });
    }
    return { jobId: job.id ?? '', workerPid: result.workerPid, ms: Date.now() - started };
  }
}
