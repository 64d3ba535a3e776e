import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import { Prisma, type Session } from '../../generated/prisma/client';

export type SessionRow = Session;

export interface SessionListFilter {
  projectId?: string;
  workspaceId?: string;
  userId?: string;
  ownerIds?: string[];
  roots?: boolean;
  parentId?: string;
  search?: string;
  /** Sessions whose `path` (cwd relative to the project) is this folder or inside it. */
  path?: string;
  start?: Date;
  archived?: boolean;
  limit: number;
  before?: Date;
}

export type RawSession = Omit<SessionRow, 'cost'> & { cost: string };

/** The columns the plain-SQL paths write, by kind; anything else (increments, relations) goes through Prisma. */
const COLUMNS: Record<string, 'scalar' | 'json' | 'date'> = {
  id: 'scalar',
  tenantId: 'scalar',
  projectId: 'scalar',
  userId: 'scalar',
  parentId: 'scalar',
  slug: 'scalar',
  title: 'scalar',
  directory: 'scalar',
  path: 'scalar',
  agent: 'scalar',
  version: 'scalar',
  summaryAdditions: 'scalar',
  summaryDeletions: 'scalar',
  summaryFiles: 'scalar',
  shareId: 'scalar',
  shareSecret: 'scalar',
  shareUrl: 'scalar',
  runOwner: 'scalar',
  workspaceId: 'scalar',
  model: 'json',
  diff: 'json',
  permission: 'json',
  revert: 'json',
  metadata: 'json',
  createdAt: 'date',
  updatedAt: 'date',
  compactingAt: 'date',
  archivedAt: 'date',
  runLeaseUntil: 'date',
};

/** A value written as is: JSON columns take plain objects and arrays; other columns no update operations. */
function plain(column: string, v: unknown): boolean {
  if (!(column in COLUMNS)) return false;
  if (v === null || typeof v !== 'object') return true;
  if (COLUMNS[column] === 'json') return Array.isArray(v) || Object.getPrototypeOf(v) === Object.prototype;
  return v instanceof Date;
}

// timestamp(3) holds UTC: an ISO string is stored as is, a Date would be sent in the process's time zone.
function sqlValue(column: string, v: unknown): unknown {
  if (v === null) return null;
  if (COLUMNS[column] === 'json') return JSON.stringify(v);
  if (v instanceof Date) return v.toISOString();
  return v;
}

export function toSessionRow(raw: RawSession): SessionRow {
  return { ...raw, cost: new Prisma.Decimal(raw.cost) };
}

@Injectable()
export class SessionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(data: Prisma.SessionUncheckedCreateInput): Promise<SessionRow> {
    const cols = Object.entries(data).filter(([, v]) => v !== undefined);
    if (!cols.every(([k, v]) => plain(k, v))) return this.prisma.session.create({ data });
    const values = cols.map(([k, v]) => sqlValue(k, v));
    const { rows } = await this.prisma.sql<RawSession>(
      `INSERT INTO "Session" (${cols.map(([k]) => `"${k}"`).join(', ')}) VALUES (${cols.map(([k], i) => `$${i + 1}${COLUMNS[k] === 'json' ? '::jsonb' : ''}`).join(', ')}) RETURNING *`,
      values,
    );
    return toSessionRow(rows[0]);
  }

  async find(tenantId: string, id: string): Promise<SessionRow | null> {
    const { rows } = await this.prisma.sql<RawSession>(`SELECT * FROM "Session" WHERE "tenantId" = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    return rows.length ? toSessionRow(rows[0]) : null;
  }

  list(tenantId: string, f: SessionListFilter): Promise<SessionRow[]> {
    const where: Prisma.SessionWhereInput = {
      tenantId,
      ...(f.projectId ? { projectId: f.projectId } : {}),
      ...(f.workspaceId ? { workspaceId: f.workspaceId } : {}),
      ...(f.userId ? { userId: f.userId } : {}),
      ...(f.ownerIds ? { userId: { in: f.ownerIds } } : {}),
      ...(f.roots ? { parentId: null } : {}),
      ...(f.parentId ? { parentId: f.parentId } : {}),
      ...(f.search ? { title: { contains: f.search, mode: 'insensitive' as const } } : {}),
      ...(f.path ? { OR: [{ path: f.path }, { path: { startsWith: `${f.path}/` } }] } : {}),
      ...(f.start || f.before
        ? { updatedAt: { ...(f.start ? { gte: f.start } : {}), ...(f.before ? { lt: f.before } : {}) } }
        : {}),
      ...(f.archived === false ? { archivedAt: null } : f.archived === true ? { archivedAt: { not: null } } : {}),
    };
    return this.prisma.session.findMany({ where, orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }], take: f.limit });
  }

  /** Updates and returns the row in one statement; null when it is not this tenant's. */
  async update(tenantId: string, id: string, data: Prisma.SessionUncheckedUpdateManyInput): Promise<SessionRow | null> {
    const cols = Object.entries(data).filter(([, v]) => v !== undefined);
    if (!cols.every(([k, v]) => plain(k, v))) {
      const r = await this.prisma.session.updateMany({ where: { tenantId, id }, data });
      return r.count ? this.find(tenantId, id) : null;
    }
    if (!cols.length) return this.find(tenantId, id);
    const values = cols.map(([k, v]) => sqlValue(k, v));
    const set = cols.map(([k], i) => `"${k}" = $${i + 1}${COLUMNS[k] === 'json' ? '::jsonb' : ''}`).join(', ');
    const { rows } = await this.prisma.sql<RawSession>(
      `UPDATE "Session" SET ${set} WHERE "tenantId" = $${values.push(tenantId)} AND id = $${values.push(id)} RETURNING *`,
      values,
    );
    return rows.length ? toSessionRow(rows[0]) : null;
  }

  /** Adds a step's cost and tokens to the running totals atomically (concurrent steps never lose updates). */
  async addUsage(
    tenantId: string,
    id: string,
    u: {
      cost: Prisma.Decimal | string;
      input: number;
      output: number;
      reasoning: number;
      cacheRead: number;
      cacheWrite: number;
    },
  ): Promise<void> {
    await this.prisma.sql(
      `UPDATE "Session" SET cost = cost + $3::numeric, "tokensInput" = "tokensInput" + $4, "tokensOutput" = "tokensOutput" + $5,
         "tokensReasoning" = "tokensReasoning" + $6, "tokensCacheRead" = "tokensCacheRead" + $7, "tokensCacheWrite" = "tokensCacheWrite" + $8, "updatedAt" = $9
       WHERE "tenantId" = $1 AND id = $2`,
      [
        tenantId,
        id,
        u.cost.toString(),
        u.input,
        u.output,
        u.reasoning,
        u.cacheRead,
        u.cacheWrite,
        new Date().toISOString(),
      ],
    );
  }

  /** Descendants first, so the cascade never races a child's own delete. */
  async descendants(tenantId: string, id: string): Promise<string[]> {
    const out: string[] = [];
    let frontier = [id];
    while (frontier.length) {
      const rows = await this.prisma.session.findMany({
        where: { tenantId, parentId: { in: frontier } },
        select: { id: true },
      });
      frontier = rows.map((r) => r.id);
      out.push(...frontier);
    }
    return out;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    const r = await this.prisma.session.deleteMany({ where: { tenantId, id } });
    return r.count > 0;
  }

  /**
   * Takes the run lease when free (or already ours). Works on any Postgres, embedded included. An expired lease of
   * another process is not taken here: RunResumer takes it over, repairs what the dead process left and resumes the
   * loop; a prompt meanwhile waits for that loop to go idle.
   */
  async acquireLease(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const r = await this.prisma.sql(
      `UPDATE "Session" SET "runOwner" = $1, "runLeaseUntil" = now() + ($2 * interval '1 millisecond')
       WHERE id = $3 AND ("runOwner" IS NULL OR "runOwner" = $1)`,
      [owner, leaseMs, id],
    );
    return r.count > 0;
  }

  /**
   * Takes the run lease as acquireLease does, but only while the owner runs fewer than `limit` other sessions.
   * A per-user advisory lock serialises the count and the take, across processes. `refused` carries the count.
   */
  async acquireLeaseWithin(
    id: string,
    owner: string,
    leaseMs: number,
    cap: { tenantId: string; userId: string; limit: number },
  ): Promise<boolean | { refused: number }> {
    return this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`run:${cap.tenantId}:${cap.userId}`}, 0))`;
        const [{ n }] = await tx.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM "Session" WHERE "tenantId" = ${cap.tenantId} AND "userId" = ${cap.userId} AND id <> ${id}
          AND "parentId" IS NULL AND "runOwner" IS NOT NULL AND "runLeaseUntil" > now()`;
        if (n >= cap.limit) return { refused: n };
        const taken = await tx.$executeRaw`
        UPDATE "Session" SET "runOwner" = ${owner}, "runLeaseUntil" = now() + (${leaseMs} * interval '1 millisecond')
        WHERE id = ${id} AND ("runOwner" IS NULL OR "runOwner" = ${owner})`;
        return taken > 0;
      },
      { maxWait: 30_000, timeout: 30_000 },
    );
  }

  /** Sessions with a loop owner. A dead owner's session stays busy until a sweep resumes or ends its loop. */
  busy(tenantId: string): Promise<{ id: string; userId: string | null }[]> {
    return this.prisma.session.findMany({
      where: { tenantId, runOwner: { not: null } },
      select: { id: true, userId: true },
    });
  }

  countForTitle(tenantId: string, projectId: string, prefix: string): Promise<number> {
    return this.prisma.session.count({ where: { tenantId, projectId, title: { startsWith: prefix } } });
  }
}
