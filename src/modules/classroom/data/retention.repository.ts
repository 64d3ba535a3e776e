import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';

/** What a school's retention period reaches: rows older than the cutoff. */
@Injectable()
export class RetentionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async retentionDays(tenantId: string): Promise<number | null> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    const days = (t?.settings as { retentionDays?: unknown } | null)?.retentionDays;
    return typeof days === 'number' && days >= 1 ? days : null;
  }

  /** Schools that set a retention period. */
  async tenantsWithRetention(): Promise<string[]> {
    const rows = await this.prisma.tenant.findMany({
      where: { settings: { path: ['retentionDays'], gte: 1 } },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Root sessions untouched since the cutoff (their children go with them). */
  async staleSessions(tenantId: string, before: Date): Promise<string[]> {
    const rows = await this.prisma.session.findMany({
      where: { tenantId, parentId: null, updatedAt: { lt: before } },
      select: { id: true },
    });
    return rows.map((r) => r.id);
  }

  /** Projects untouched since the cutoff with no session touched since. */
  staleProjects(tenantId: string, before: Date): Promise<{ id: string; slug: string; name: string | null }[]> {
    return this.prisma.project.findMany({
      where: { tenantId, updatedAt: { lt: before }, sessions: { none: { updatedAt: { gte: before } } } },
      select: { id: true, slug: true, name: true },
    });
  }

  countUsage(tenantId: string, beforeDay: Date): Promise<number> {
    return this.prisma.usageRecord.count({ where: { tenantId, day: { lt: beforeDay } } });
  }

  async deleteUsage(tenantId: string, beforeDay: Date): Promise<number> {
    return (await this.prisma.usageRecord.deleteMany({ where: { tenantId, day: { lt: beforeDay } } })).count;
  }

  /** Assignment copies whose project is gone: the next open seeds a fresh one. */
  async forgetCopies(tenantId: string, projectIds: string[]): Promise<void> {
    if (projectIds.length)
      await this.prisma.assignmentWork.deleteMany({ where: { tenantId, projectId: { in: projectIds } } });
  }
}
