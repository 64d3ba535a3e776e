import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService } from '../../../infra/database/prisma.service';
import { BUDGET_TX } from './budget-counter.repository';

export interface BudgetRow {
  id: string;
  tenantId: string;
  scope: string;
  metric: string;
  limit: Prisma.Decimal;
  updatedAt: Date;
}

export interface CounterClaim {
  key: string;
  limit: string;
}

/** Prompt counters live in the tenant's Setting rows under this scope: no extra table, same row lock semantics. */
const COUNTER_SCOPE = 'budget.counter';

class ClaimRefused extends Error {
  constructor(readonly key: string) {
    super(key);
  }
}

@Injectable()
export class BudgetRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tenantId: string): Promise<BudgetRow[]> {
    return this.prisma.budget.findMany({ where: { tenantId }, orderBy: [{ scope: 'asc' }, { metric: 'asc' }] });
  }

  forScopes(tenantId: string, scopes: string[]): Promise<BudgetRow[]> {
    return this.prisma.budget.findMany({ where: { tenantId, scope: { in: scopes } } });
  }

  /**
   * Every prompt: the budgets of the tenant, the user's own and role scopes, and the classes the user studies
   * in, in one statement.
   */
  async forUser(tenantId: string, userId: string, role: string): Promise<BudgetRow[]> {
    const { rows } = await this.prisma.sql<Omit<BudgetRow, 'limit'> & { limit: string }>(
      `SELECT id, "tenantId", scope, metric, "limit", "updatedAt" FROM "Budget" WHERE "tenantId" = $1 AND (scope = ANY($2::text[])
         OR scope IN (SELECT 'class:' || "classId" FROM "ClassMember" WHERE "tenantId" = $1 AND "userId" = $3 AND role = 'student'))`,
      [tenantId, ['tenant', `user:${userId}`, `role:${role}`], userId],
    );
    return rows.map((r) => ({ ...r, limit: new Prisma.Decimal(r.limit) }));
  }

  upsert(data: { id: string; tenantId: string; scope: string; metric: string; limit: string }): Promise<BudgetRow> {
    return this.prisma.budget.upsert({
      where: { tenantId_scope_metric: { tenantId: data.tenantId, scope: data.scope, metric: data.metric } },
      create: data,
      update: { limit: data.limit },
    });
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.budget.deleteMany({ where: { tenantId, id } })).count > 0;
  }

  async timezone(tenantId: string): Promise<string> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { timezone: true } });
    return t?.timezone ?? 'Asia/Seoul';
  }

  /**
   * Adds one to every counter, or to none: each UPSERT only increments while `used < limit` (the row lock taken
   * by ON CONFLICT DO UPDATE serialises concurrent claims), and a refused one rolls the others back. Keys are
   * claimed in sorted order so two claims never wait on each other crosswise. Returns the refused key, if any.
   */
  async claim(tenantId: string, claims: CounterClaim[]): Promise<string | null> {
    const sorted = [...claims].sort((a, b) => a.key.localeCompare(b.key));
    try {
      await this.prisma.$transaction(async (tx) => {
        for (const c of sorted) {
          const rows = await tx.$queryRaw<{ used: string }[]>`
            INSERT INTO "Setting" ("tenantId", "scope", "key", "value", "updatedAt")
            VALUES (${tenantId}, ${COUNTER_SCOPE}, ${c.key}, '1'::jsonb, now())
            ON CONFLICT ("tenantId", "scope", "key") DO UPDATE
              SET "value" = to_jsonb((("Setting"."value" #>> '{}')::numeric + 1)), "updatedAt" = now()
              WHERE ("Setting"."value" #>> '{}')::numeric < ${c.limit}::numeric
            RETURNING ("value" #>> '{}') AS used`;
          if (!rows.length) throw new ClaimRefused(c.key);
        }
      }, BUDGET_TX);
      return null;
    } catch (err) {
      if (err instanceof ClaimRefused) return err.key;
      throw err;
    }
  }

  async counterValue(tenantId: string, key: string): Promise<number> {
    const row = await this.prisma.setting.findUnique({
      where: { tenantId_scope_key: { tenantId, scope: COUNTER_SCOPE, key } },
    });
    return row ? Number(row.value) : 0;
  }

  /** Counters of days before `dayKey` are dead weight; any claim may sweep them. */
  async sweepCounters(tenantId: string, dayKey: string): Promise<void> {
    await this.prisma.$executeRaw`
      DELETE FROM "Setting" WHERE "tenantId" = ${tenantId} AND "scope" = ${COUNTER_SCOPE} AND right("key", 10) < ${dayKey}`;
  }

  /** Tokens (all kinds) and exact cost used since `from` (a tenant-local day), by these users or the whole tenant. */
  async usageSince(
    tenantId: string,
    from: Date,
    userIds?: string[],
  ): Promise<{ tokens: Prisma.Decimal; cost: Prisma.Decimal }> {
    const agg = await this.prisma.usageRecord.aggregate({
      where: { tenantId, day: { gte: from }, ...(userIds ? { userId: { in: userIds } } : {}) },
      _sum: {
        inputTokens: true,
        outputTokens: true,
        reasoningTokens: true,
        cacheReadTokens: true,
        cacheWriteTokens: true,
        cost: true,
      },
    });
    const s = agg._sum;
    const tokens =
      (s.inputTokens ?? 0) +
      (s.outputTokens ?? 0) +
      (s.reasoningTokens ?? 0) +
      (s.cacheReadTokens ?? 0) +
      (s.cacheWriteTokens ?? 0);
    return { tokens: new Prisma.Decimal(tokens), cost: s.cost ?? new Prisma.Decimal(0) };
  }

  /** Sessions of this user that hold a live run lease, other than `exceptId`. */
  runningSessions(tenantId: string, userId: string, exceptId: string): Promise<number> {
    return this.prisma.session.count({
      where: { tenantId, userId, id: { not: exceptId }, runOwner: { not: null }, runLeaseUntil: { gt: new Date() } },
    });
  }

  async classMembers(tenantId: string, classId: string): Promise<string[]> {
    const rows = await this.prisma.classMember.findMany({ where: { tenantId, classId }, select: { userId: true } });
    return rows.map((r) => r.userId);
  }

  async exists(tenantId: string, kind: 'class' | 'user', id: string): Promise<boolean> {
    const n =
      kind === 'class'
        ? await this.prisma.class.count({ where: { tenantId, id } })
        : await this.prisma.user.count({ where: { tenantId, id, deletedAt: null } });
    return n > 0;
  }

  async userRole(tenantId: string, userId: string): Promise<string | null> {
    const u = await this.prisma.user.findFirst({ where: { tenantId, id: userId }, select: { role: true } });
    return u?.role ?? null;
  }
}
