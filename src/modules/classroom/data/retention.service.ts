import { Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import fs from 'node:fs/promises';
import type { Logger } from 'pino';
import { systemAuth, type AuthContext } from '../../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/logging/logger';
import { QueueService } from '../../../infra/queue/queue.service';
import { AuditService } from '../../audit/audit.service';
import { projectDirs } from '../../school/lifecycle/data-dirs';
import { LifecycleService } from '../../school/lifecycle/lifecycle.service';
import type { RetentionReportDto } from './dto/retention.dto';
import { RetentionRepository } from './retention.repository';

const DAY_MS = 86_400_000;
const DAILY = '41 2 * * *';
/** Payload tenant id of the daily run: every school with a retention period. */
const ALL_TENANTS = '*';

/**
 * A school keeps nothing longer than it promised: sessions, workspaces and usage older than its `retentionDays`
 * are removed by a daily `maintenance.retention` job; the same code answers a dry run with what it would remove.
 */
@Injectable()
export class RetentionService implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly repo: RetentionRepository,
    private readonly lifecycle: LifecycleService,
    private readonly queues: QueueService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('maintenance.retention', async (p) => {
      const tenants = p.tenantId === ALL_TENANTS ? await this.repo.tenantsWithRetention() : [p.tenantId];
      for (const t of tenants) await this.run(systemAuth(t), false);
    });
  }

  onApplicationBootstrap(): void {
    this.queues.schedule('retention-daily', DAILY, 'maintenance.retention', { tenantId: ALL_TENANTS });
  }

  async run(auth: AuthContext, dryRun: boolean): Promise<RetentionReportDto> {
    const days = await this.repo.retentionDays(auth.tenantId);
    if (days === null) return { retentionDays: null, cutoff: null, dryRun, sessions: 0, projects: [], usageRecords: 0 };
    const cutoff = new Date(Date.now() - days * DAY_MS);
    // Usage is kept per tenant-local day: whole days before the cutoff's day go.
    const cutoffDay = new Date(Date.UTC(cutoff.getUTCFullYear(), cutoff.getUTCMonth(), cutoff.getUTCDate()));
    const sessions = await this.repo.staleSessions(auth.tenantId, cutoff);
    const candidates = await this.repo.staleProjects(auth.tenantId, cutoff);
    // A folder changed since the cutoff (files uploaded without a session) is still in use.
    const projects = [];
    for (const p of candidates) {
      const stat = await fs.stat(projectDirs(this.config, auth.tenantId, p).workspace).catch(() => undefined);
      if (!stat || stat.mtime < cutoff) projects.push(p);
    }
    const report: RetentionReportDto = {
      retentionDays: days,
      cutoff: cutoff.getTime(),
      dryRun,
      sessions: sessions.length,
      projects: projects.map((p) => ({ id: p.id, name: p.name ?? p.slug })),
      usageRecords: await this.repo.countUsage(auth.tenantId, cutoffDay),
    };
    if (dryRun) return report;
    await this.lifecycle.removeSessionIds(auth, sessions);
    // Sessions touched meanwhile keep their project (its delete would cascade to them).
    const still = new Set((await this.repo.staleProjects(auth.tenantId, cutoff)).map((p) => p.id));
    const gone = projects.filter((p) => still.has(p.id));
    await this.lifecycle.removeProjects(auth.tenantId, gone);
    await this.repo.forgetCopies(
      auth.tenantId,
      gone.map((p) => p.id),
    );
    report.usageRecords = await this.repo.deleteUsage(auth.tenantId, cutoffDay);
    await this.audit.record(auth, 'retention.run', auth.tenantId, {
      sessions: report.sessions,
      projects: gone.length,
      usageRecords: report.usageRecords,
    });
    return { ...report, projects: gone.map((p) => ({ id: p.id, name: p.name ?? p.slug })) };
  }
}
