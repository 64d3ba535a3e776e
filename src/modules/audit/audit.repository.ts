import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';

export interface AuditRow {
  id: string;
  tenantId: string;
  actorId: string | null;
  action: string;
  target: string | null;
  details: unknown;
  requestId: string | null;
  createdAt: Date;
}

export interface AuditFilter {
  action?: string;
  actorId?: string;
  target?: string;
  from?: Date;
  to?: Date;
  before?: Date;
  limit: number;
}

/** Append-only: there is deliberately no update or delete here. */
@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  async append(row: Omit<AuditRow, 'createdAt'>): Promise<void> {
    await this.prisma.auditLog.create({ data: { ...row, details: (row.details ?? {}) as object } });
  }

  list(tenantId: string, f: AuditFilter): Promise<AuditRow[]> {
    const createdAt =
      f.from || f.to || f.before
        ? { ...(f.from ? { gte: f.from } : {}), ...(f.to || f.before ? { lt: minDate(f.to, f.before) } : {}) }
        : undefined;
    return this.prisma.auditLog.findMany({
      where: {
        tenantId,
        ...(f.action ? { action: f.action } : {}),
        ...(f.actorId ? { actorId: f.actorId } : {}),
        ...(f.target ? { target: f.target } : {}),
        ...(createdAt ? { createdAt } : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: f.limit,
    });
  }
}

function minDate(a?: Date, b?: Date): Date {
  if (a && b) return a < b ? a : b;
  return (a ?? b)!;
}
