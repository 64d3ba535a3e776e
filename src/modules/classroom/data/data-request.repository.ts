import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';

/** The rows a person's data request touches beyond sessions and projects (which their own modules remove). */
@Injectable()
export class DataRequestRepository {
  constructor(private readonly prisma: PrismaService) {}

  findUser(tenantId: string, id: string) {
    return this.prisma.user.findFirst({
      where: { tenantId, id },
      select: { id: true, name: true, platformAdmin: true, deletedAt: true },
    });
  }

  async sessionIds(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma.session.findMany({ where: { tenantId, userId }, select: { id: true } });
    return rows.map((r) => r.id);
  }

  ownedProjects(tenantId: string, userId: string): Promise<{ id: string; slug: string; name: string | null }[]> {
    return this.prisma.project.findMany({
      where: { tenantId, ownerId: userId },
      select: { id: true, slug: true, name: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  async contentCounts(tenantId: string, sessionIds: string[]): Promise<{ messages: number; parts: number }> {
    const where = { tenantId, sessionId: { in: sessionIds } };
    const [messages, parts] = await Promise.all([
      this.prisma.message.count({ where }),
      this.prisma.part.count({ where }),
    ]);
    return { messages, parts };
  }

  usage(tenantId: string, userId: string) {
    return this.prisma.usageRecord.findMany({
      where: { tenantId, userId },
      orderBy: { createdAt: 'asc' },
      take: 100_000,
    });
  }

  /** Audit entries the person made or that are about them. */
  audit(tenantId: string, userId: string) {
    return this.prisma.auditLog.findMany({
      where: { tenantId, OR: [{ actorId: userId }, { target: userId }] },
      orderBy: { createdAt: 'asc' },
      take: 100_000,
    });
  }

  /**
   * Usage rows stay for the school's totals, detached from the person and their sessions: what is left is a count
   * of tokens and dollars on a day.
   */
  async detachUsage(tenantId: string, userId: string): Promise<number> {
    return (
      await this.prisma.usageRecord.updateMany({
        where: { tenantId, userId },
        data: { userId: null, sessionId: null, messageId: null, partId: null },
      })
    ).count;
  }

  /** Keys, memberships, their assignment copies, and every budget, allowance and counter kept for them alone. */
  async removeUserRows(tenantId: string, userId: string) {
    const scope = `user:${userId}`;
    const [apiKeys, classMemberships, assignmentCopies, budgets, allowances, buckets, counters, promptCounters] =
      await this.prisma.$transaction([
        this.prisma.apiKey.deleteMany({ where: { tenantId, userId } }),
        this.prisma.classMember.deleteMany({ where: { tenantId, userId } }),
        this.prisma.assignmentWork.deleteMany({ where: { tenantId, userId } }),
        this.prisma.budget.deleteMany({ where: { tenantId, scope } }),
        this.prisma.allowance.deleteMany({ where: { tenantId, scope } }),
        this.prisma.allowanceBucket.deleteMany({ where: { tenantId, key: { startsWith: `${scope}|` } } }),
        this.prisma.budgetCounter.deleteMany({ where: { tenantId, key: { startsWith: `${scope}|` } } }),
        this.prisma.setting.deleteMany({
          where: { tenantId, scope: 'budget.counter', key: { startsWith: `${scope}|` } },
        }),
      ]);
    return {
      apiKeys: apiKeys.count,
      classMemberships: classMemberships.count,
      assignmentCopies: assignmentCopies.count,
      budgetRows: budgets.count + allowances.count + buckets.count + counters.count + promptCounters.count,
    };
  }

  /** Collections that hold a folder of this student: their ids, assignments and summaries. */
  async collectionsOf(tenantId: string, userId: string) {
    const rows = await this.prisma.assignmentCollection.findMany({
      where: { tenantId },
      select: { id: true, assignmentId: true, summary: true },
    });
    return rows.filter((r) => (r.summary as { userId?: string }[]).some((s) => s.userId === userId));
  }

  async setCollectionSummary(tenantId: string, id: string, summary: object[]): Promise<void> {
    await this.prisma.assignmentCollection.updateMany({ where: { tenantId, id }, data: { summary } });
  }

  /** What is left of the person after an erasure, to verify it. */
  async remaining(tenantId: string, userId: string, sessionIds: string[]) {
    const bySession = { tenantId, sessionId: { in: sessionIds } };
    const [sessions, messages, parts, projects, usageRecords, apiKeys, assignmentCopies] = await Promise.all([
      this.prisma.session.count({ where: { tenantId, OR: [{ userId }, { id: { in: sessionIds } }] } }),
      this.prisma.message.count({ where: bySession }),
      this.prisma.part.count({ where: bySession }),
      this.prisma.project.count({ where: { tenantId, ownerId: userId } }),
      this.prisma.usageRecord.count({ where: { tenantId, OR: [{ userId }, { sessionId: { in: sessionIds } }] } }),
      this.prisma.apiKey.count({ where: { tenantId, userId } }),
      this.prisma.assignmentWork.count({ where: { tenantId, userId } }),
    ]);
    return { sessions, messages, parts, projects, usageRecords, apiKeys, assignmentCopies };
  }
}
