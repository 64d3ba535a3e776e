import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { systemAuth } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { QueueService } from '../../infra/queue/queue.service';
import { ProjectService } from '../project/project.service';
import { SnapshotService } from './snapshot.service';

/** Payload tenant id of the daily run: every tenant that has snapshot storage. */
export const ALL_TENANTS = '*';
const DAILY = '17 3 * * *';

/** `maintenance.snapshot-gc`: `git gc --prune=7.days` on every snapshot repo of a tenant (or of all tenants). */
@Injectable()
export class SnapshotGcProcessor implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueService,
    private readonly projects: ProjectService,
    private readonly snapshots: SnapshotService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('maintenance.snapshot-gc', (p) => this.run(p.tenantId));
  }

  onApplicationBootstrap(): void {
    this.queues.schedule('snapshot-gc-daily', DAILY, 'maintenance.snapshot-gc', { tenantId: ALL_TENANTS });
  }

  /** Enqueues a run for one tenant (admin route); one job per tenant and minute. */
  async enqueue(tenantId: string): Promise<{ jobId: string }> {
    const minute = new Date()
      .toISOString()
      .slice(0, 16)
      .replace(/[^0-9]/g, '');
    const job = await this.queues.enqueue(
      'maintenance.snapshot-gc',
      { tenantId },
      { jobId: `snapshot-gc-${tenantId}-${minute}` },
    );
    return { jobId: job.id ?? '' };
  }

  async run(tenantId: string): Promise<{ repos: number }> {
    const tenants = tenantId === ALL_TENANTS ? await this.tenantsWithSnapshots() : [tenantId];
    let repos = 0;
    for (const tenant of tenants) {
      for (const project of await this.projects.list(systemAuth(tenant))) {
        const engine = this.snapshots.engine({ tenantId: tenant, projectId: project.id, directory: project.worktree });
        // Never create a repo just to collect it.
        if (!existsSync(path.join(engine.gitDir, 'HEAD'))) continue;
        await engine.gc();
        repos++;
      }
    }
    this.logger.info({ tenantId, repos }, 'snapshot gc done');
    return { repos };
  }

  private async tenantsWithSnapshots(): Promise<string[]> {
    const entries = await readdir(this.config.snapshotRoot, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  }
}
