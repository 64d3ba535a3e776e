import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService } from '../../../infra/database/prisma.service';

export interface UsageGroupRow {
  userId: string | null;
  providerId: string;
  modelId: string;
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

  /** One row per step; a repeated partId (a retried hook, a replayed step) is ignored. Returns whether it was new. */
  async record(data: { id: string; tenantId: string; userId: string | null; sessionId: string; messageId: string; partId: string; providerId: string; modelId: string; day: Date; inputTokens: number; outputTokens: number; reasoningTokens: number; cacheReadTokens: number; cacheWriteTokens: number; cost: string }): Promise<boolean> {
    const r = await this.prisma.sql(
      `INSERT INTO "UsageRecord" (id, "tenantId", "userId", "sessionId", "messageId", "partId", "providerId", "modelId", day,
         "inputTokens", "outputTokens", "reasoningTokens", "cacheReadTokens", "cacheWriteTokens", cost, "createdAt")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::date, $10, $11, $12, $13, $14, $15::numeric, $16) ON CONFLICT DO NOTHING`,
      [data.id, data.tenantId, data.userId, data.sessionId, data.messageId, data.partId, data.providerId, data.modelId, data.day.toISOString().slice(0, 10),
        data.inputTokens, data.outputTokens, data.reasoningTokens, data.cacheReadTokens, data.cacheWriteTokens, data.cost, new Date().toISOString()],
    );
    return r.count > 0;
  }

  async timezone(tenantId: string): Promise<string> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { timezone: true } });
    return t?.timezone ?? 'Asia/Seoul';
  }

  /** Finest grain the reports need; coarser groupings are summed from it with exact decimals. */
  async grouped(tenantId: string, from?: Date, to?: Date): Promise<UsageGroupRow[]> {
    const rows = await this.prisma.usageRecord.groupBy({
      by: ['userId', 'providerId', 'modelId', 'day'],
      where: { tenantId, ...(from || to ? { day: { ...(from ? { gte: from } : {}), ...(to ? { lte: to } : {}) } } : {}) },
      _sum: { inputTokens: true, outputTokens: true, reasoningTokens: true, cacheReadTokens: true, cacheWriteTokens: true, cost: true },
      _count: { _all: true },
    });
    return rows.map((r) => ({
      userId: r.userId,
      providerId: r.providerId,
      modelId: r.modelId,
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
    const rows = await this.prisma.classMember.findMany({ where: { tenantId }, select: { classId: true, userId: true, class: { select: { name: true } } } });
    return rows.map((r) => ({ classId: r.classId, userId: r.userId, className: r.class.name }));
  }

  async userNames(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.user.findMany({ where: { tenantId, id: { in: ids } }, select: { id: true, name: true } });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
