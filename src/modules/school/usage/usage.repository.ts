import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService } from '../../../infra/database/prisma.service';

export interface UsageGroupRow {
  userId: string | null;
  providerId: string;
  modelId: string;
  /** step | title | summary | compaction | subagent */
  purpose: string;
  day: Date;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cost: Prisma.Decimal;
}

@Injectable()
export class UsageRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Finest grain the reports need; coarser groupings are summed from it with exact decimals. */
  async grouped(tenantId: string, from?: Date, to?: Date, userIds?: string[]): Promise<UsageGroupRow[]> {
    const rows = await this.prisma.usageRecord.groupBy({
      by: ['userId', 'providerId', 'modelId', 'purpose', 'day'],
      where: {
        tenantId,
        ...(userIds ? { userId: { in: userIds } } : {}),
        ...(from || to ? { day: { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) } } : {}),
      },
      _sum: {
        inputTokens: true,
        outputTokens: true,
        reasoningTokens: true,
        cacheReadTokens: true,
        cacheWriteTokens: true,
        cost: true,
      },
      _count: { _all: true },
    });
    return rows.map((r) => ({
      userId: r.userId,
      providerId: r.providerId,
      modelId: r.modelId,
      purpose: r.purpose,
      day: r.day,
      steps: r._count._all,
      inputTokens: r._sum.inputTokens ?? 0,
      outputTokens: r._sum.outputTokens ?? 0,
      reasoningTokens: r._sum.reasoningTokens ?? 0,
      cacheReadTokens: r._sum.cacheReadTokens ?? 0,
      cacheWriteTokens: r._sum.cacheWriteTokens ?? 0,
      cost: r._sum.cost ?? new Prisma.Decimal(0),
    }));
  }

  async memberships(tenantId: string): Promise<{ classId: string; userId: string; className: string }[]> {
    const rows = await this.prisma.classMember.findMany({
      where: { tenantId },
      select: { classId: true, userId: true, class: { select: { name: true } } },
    });
    return rows.map((r) => ({ classId: r.classId, userId: r.userId, className: r.class.name }));
  }

  async userNames(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.user.findMany({
      where: { tenantId, id: { in: ids } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
