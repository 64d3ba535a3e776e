import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';

export interface StudentSessionRow {
  id: string;
  userId: string | null;
  title: string;
  directory: string;
  updatedAt: Date;
}

/** Read side of the class view: the students' recent sessions, pending asks and today's usage. */
@Injectable()
export class OversightRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Root sessions of these students touched since `since`, newest first (bounded). */
  recentSessions(tenantId: string, userIds: string[], since: Date): Promise<StudentSessionRow[]> {
    return this.prisma.session.findMany({
      where: { tenantId, userId: { in: userIds }, parentId: null, archivedAt: null, updatedAt: { gte: since } },
      select: { id: true, userId: true, title: true, directory: true, updatedAt: true },
      orderBy: { updatedAt: 'desc' },
      take: 500,
    });
  }

  /** Sessions among these with a permission or question waiting for an answer. */
  async waiting(tenantId: string, sessionIds: string[]): Promise<Set<string>> {
    if (!sessionIds.length) return new Set();
    const where = { tenantId, status: 'pending', sessionId: { in: sessionIds } };
    const [p, q] = await Promise.all([
      this.prisma.permissionRequest.findMany({ where, select: { sessionId: true } }),
      this.prisma.questionRequest.findMany({ where, select: { sessionId: true } }),
    ]);
    return new Set([...p, ...q].map((r) => r.sessionId));
  }

  async lastActivity(tenantId: string, userIds: string[]): Promise<Map<string, Date>> {
    const rows = await this.prisma.session.groupBy({
      by: ['userId'],
      where: { tenantId, userId: { in: userIds } },
      _max: { updatedAt: true },
    });
    return new Map(rows.filter((r) => r.userId && r._max.updatedAt).map((r) => [r.userId!, r._max.updatedAt!]));
  }

  async usageOn(
    tenantId: string,
    userIds: string[],
    day: Date,
  ): Promise<Map<string, { steps: number; tokens: number; cost: string }>> {
    const rows = await this.prisma.usageRecord.groupBy({
      by: ['userId'],
      where: { tenantId, userId: { in: userIds }, day },
      _count: { _all: true },
      _sum: {
        inputTokens: true,
        outputTokens: true,
        reasoningTokens: true,
        cacheReadTokens: true,
        cacheWriteTokens: true,
        cost: true,
      },
    });
    return new Map(
      rows
        .filter((r) => r.userId)
        .map((r) => [
          r.userId!,
          {
            steps: r._count._all,
            tokens:
              (r._sum.inputTokens ?? 0) +
              (r._sum.outputTokens ?? 0) +
              (r._sum.reasoningTokens ?? 0) +
              (r._sum.cacheReadTokens ?? 0) +
              (r._sum.cacheWriteTokens ?? 0),
            cost: (r._sum.cost ?? 0).toString(),
          },
        ]),
    );
  }

  async timezone(tenantId: string): Promise<string> {
    return (
      (await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { timezone: true } }))?.timezone ??
      'Asia/Seoul'
    );
  }
}
