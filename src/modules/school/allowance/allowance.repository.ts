import { Injectable } from '@nestjs/common';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService } from '../../../infra/database/prisma.service';
import { bucketLevels, type BucketClaim } from './allowance-bucket.sql';

export interface AllowanceRow {
  id: string;
  tenantId: string;
  scope: string;
  unit: string;
  capacity: Prisma.Decimal;
  refill: Prisma.Decimal;
  per: string;
  updatedAt: Date;
}

@Injectable()
export class AllowanceRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tenantId: string): Promise<AllowanceRow[]> {
    return this.prisma.allowance.findMany({ where: { tenantId }, orderBy: [{ scope: 'asc' }, { unit: 'asc' }] });
  }

  /** The school's, the user's own and role's, and those of the classes the user studies in, in one statement. */
  async forUser(tenantId: string, userId: string, role: string): Promise<AllowanceRow[]> {
    const { rows } = await this.prisma.sql<
      Omit<AllowanceRow, 'capacity' | 'refill'> & { capacity: string; refill: string }
    >(
      `SELECT id, "tenantId", scope, unit, capacity::text, refill::text, per, "updatedAt" FROM "Allowance"
       WHERE "tenantId" = $1 AND (scope = ANY($2::text[])
         OR scope IN (SELECT 'class:' || "classId" FROM "ClassMember" WHERE "tenantId" = $1 AND "userId" = $3 AND role = 'student'))`,
      [tenantId, ['tenant', `user:${userId}`, `role:${role}`], userId],
    );
    return rows.map((r) => ({ ...r, capacity: new Prisma.Decimal(r.capacity), refill: new Prisma.Decimal(r.refill) }));
  }

  upsert(data: {
    id: string;
    tenantId: string;
    scope: string;
    unit: string;
    capacity: string;
    refill: string;
    per: string;
  }): Promise<AllowanceRow> {
    const { id: _id, ...update } = data;
    return this.prisma.allowance.upsert({
      where: { tenantId_scope_unit: { tenantId: data.tenantId, scope: data.scope, unit: data.unit } },
      create: data,
      update,
    });
  }

  /**
   * Removes the allowance; a school's or class's bucket goes with it. A user's bucket stays: a role's allowance
   * may still fill it, and removing and re-adding an allowance must not hand out a full bucket.
   */
  async delete(tenantId: string, id: string): Promise<AllowanceRow | null> {
    const row = await this.prisma.allowance.findFirst({ where: { tenantId, id } });
    if (!row) return null;
    const shared = row.scope === 'tenant' || row.scope.startsWith('class:');
    await this.prisma.$transaction([
      this.prisma.allowance.deleteMany({ where: { tenantId, id } }),
      ...(shared
        ? [this.prisma.allowanceBucket.deleteMany({ where: { tenantId, key: `${row.scope}|${row.unit}` } })]
        : []),
    ]);
    return row;
  }

  levels(tenantId: string, buckets: Omit<BucketClaim, 'amount'>[]): Promise<Map<string, string>> {
    return bucketLevels(this.prisma, tenantId, buckets);
  }
}
