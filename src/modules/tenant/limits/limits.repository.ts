import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';

/** `Tenant.settings.limits`, written in place so a concurrent change of another setting is not lost. */
@Injectable()
export class LimitsRepository {
  constructor(private readonly prisma: PrismaService) {}

  async read(tenantId: string): Promise<Record<string, unknown> | null> {
    const row = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    if (!row) return null;
    const limits = (row.settings as { limits?: unknown } | null)?.limits;
    return limits && typeof limits === 'object' ? (limits as Record<string, unknown>) : {};
  }

  async merge(tenantId: string, changes: Record<string, number>): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE "Tenant"
         SET settings = jsonb_set(settings, '{limits}', COALESCE(settings->'limits', '{}'::jsonb) || ${JSON.stringify(changes)}::jsonb)
       WHERE id = ${tenantId}`;
  }
}
