import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import { Prisma, type Session } from '../../generated/prisma/client';

export type SessionRow = Session;

export interface SessionListFilter {
  projectId?: string;
  userId?: string;
  ownerIds?: string[];
  roots?: boolean;
  parentId?: string;
  search?: string;
  start?: Date;
  archived?: boolean;
  limit: number;
  before?: Date;
}

@Injectable()
export class SessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.SessionUncheckedCreateInput): Promise<SessionRow> {
    return this.prisma.session.create({ data });
  }

  find(tenantId: string, id: string): Promise<SessionRow | null> {
    return this.prisma.session.findFirst({ where: { tenantId, id } });
  }

  list(tenantId: string, f: SessionListFilter): Promise<SessionRow[]> {
    const where: Prisma.SessionWhereInput = {
      tenantId,
      ...(f.projectId ? { projectId: f.projectId } : {}),
      ...(f.userId ? { userId: f.userId } : {}),
      ...(f.ownerIds ? { userId: { in: f.ownerIds } } : {}),
      ...(f.roots ? { parentId: null } : {}),
      ...(f.parentId ? { parentId: f.parentId } : {}),
      ...(f.search ? { title: { contains: f.search, mode: 'insensitive' as const } } : {}),
      ...(f.start || f.before ? { updatedAt: { ...(f.start ? { gte: f.start } : {}), ...(f.before ? { lt: f.before } : {}) } } : {}),
      ...(f.archived === false ? { archivedAt: null } : f.archived === true ? { archivedAt: { not: null } } : {}),
    };
    return this.prisma.session.findMany({ where, orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }], take: f.limit });
  }

  async update(tenantId: string, id: string, data: Prisma.SessionUncheckedUpdateManyInput): Promise<SessionRow | null> {
    const r = await this.prisma.session.updateMany({ where: { tenantId, id }, data });
    return r.count ? this.find(tenantId, id) : null;
  }

  /** Adds a step's cost and tokens to the running totals atomically (concurrent steps never lose updates). */
  addUsage(tenantId: string, id: string, u: { cost: Prisma.Decimal | string; input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number }) {
    return this.prisma.session.updateMany({
      where: { tenantId, id },
      data: {
        cost: { increment: u.cost },
        tokensInput: { increment: u.input },
        tokensOutput: { increment: u.output },
        tokensReasoning: { increment: u.reasoning },
        tokensCacheRead: { increment: u.cacheRead },
        tokensCacheWrite: { increment: u.cacheWrite },
        updatedAt: new Date(),
      },
    });
  }

  /** Descendants first, so the cascade never races a child's own delete. */
  async descendants(tenantId: string, id: string): Promise<string[]> {
    const out: string[] = [];
    let frontier = [id];
    while (frontier.length) {
      const rows = await this.prisma.session.findMany({ where: { tenantId, parentId: { in: frontier } }, select: { id: true } });
      frontier = rows.map((r) => r.id);
      out.push(...frontier);
    }
    return out;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.prisma.session.deleteMany({ where: { tenantId, id } });
    return r.count > 0;
  }

  /** Takes the run lease when free or expired. Works on any Postgres, embedded included. */
  async acquireLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "Session" SET "runOwner" = ${owner}, "runLeaseUntil" = now() + (${leaseMs} * interval '1 millisecond')
      WHERE id = ${id} AND ("runOwner" IS NULL OR "runOwner" = ${owner} OR "runLeaseUntil" < now())`;
    return n > 0;
  }

  async renewLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const n = await this.prisma.$executeRaw`
      UPDATE "Session" SET "runLeaseUntil" = now() + (${leaseMs} * interval '1 millisecond') WHERE id = ${id} AND "runOwner" = ${owner}`;
    return n > 0;
  }

  async releaseLease(id: string, owner: string): Promise<void> {
    await this.prisma.session.updateMany({ where: { id, runOwner: owner }, data: { runOwner: null, runLeaseUntil: null } });
  }

  /** Sessions whose loop owner died: lease expired, or owned by an earlier life of this very process id. */
  abandoned(ownerPrefix: string, liveOwner: string): Promise<{ id: string; tenantId: string; runOwner: string | null; userId: string | null; projectId: string }[]> {
    return this.prisma.session.findMany({
      where: {
        runOwner: { not: null },
        OR: [{ runLeaseUntil: { lt: new Date() } }, { AND: [{ runOwner: { startsWith: ownerPrefix } }, { runOwner: { not: liveOwner } }] }],
      },
      select: { id: true, tenantId: true, runOwner: true, userId: true, projectId: true },
      take: 500,
    });
  }

  /** Sessions with a loop owner. A dead owner's session stays busy until a sweep recovers it (within a lease). */
  busy(tenantId: string): Promise<{ id: string; userId: string | null }[]> {
    return this.prisma.session.findMany({ where: { tenantId, runOwner: { not: null } }, select: { id: true, userId: true } });
  }

  countForTitle(tenantId: string, projectId: string, prefix: string): Promise<number> {
    return this.prisma.session.count({ where: { tenantId, projectId, title: { startsWith: prefix } } });
  }
}
