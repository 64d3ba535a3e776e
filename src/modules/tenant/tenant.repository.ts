import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma, Role } from '../../generated/prisma/client';

@Injectable()
export class TenantRepository {
  constructor(private readonly prisma: PrismaService) {}

  createTenant(data: { id: string; slug: string; name: string; timezone?: string; settings?: Prisma.InputJsonValue }) {
    return this.prisma.tenant.create({ data });
  }

  listTenants() {
    return this.prisma.tenant.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findTenant(id: string) {
    return this.prisma.tenant.findUnique({ where: { id } });
  }

  findTenantBySlug(slug: string) {
    return this.prisma.tenant.findUnique({ where: { slug } });
  }

  /**
   * `settings` is merged into the stored object by Postgres (`||`, one key level) in the same statement, so two
   * concurrent updates of different keys both survive; name and timezone are plain column writes.
   */
  async updateTenant(id: string, data: { name?: string; timezone?: string; settings?: Record<string, unknown> }) {
    return this.prisma.$transaction(async (tx) => {
      if (data.settings && Object.keys(data.settings).length) {
        const n = await tx.$executeRaw`
          UPDATE "Tenant" SET settings = COALESCE(settings, '{}'::jsonb) || ${JSON.stringify(data.settings)}::jsonb
           WHERE id = ${id}`;
        if (!n) return null;
      }
      const r = await tx.tenant.updateMany({ where: { id }, data: { name: data.name, timezone: data.timezone } });
      return r.count ? tx.tenant.findUnique({ where: { id } }) : null;
    });
  }

  async deleteTenant(id: string): Promise<boolean> {
    const r = await this.prisma.tenant.deleteMany({ where: { id } });
    return r.count > 0;
  }

  countTenants() {
    return this.prisma.tenant.count();
  }

  createUser(data: {
    id: string;
    tenantId: string;
    name: string;
    email?: string;
    role: Role;
    platformAdmin?: boolean;
    externalId?: string;
  }) {
    return this.prisma.user.create({ data });
  }

  listUsers(tenantId: string, filter: { role?: Role; ids?: string[] } = {}) {
    return this.prisma.user.findMany({
      where: {
        tenantId,
        deletedAt: null,
        ...(filter.role ? { role: filter.role } : {}),
        ...(filter.ids ? { id: { in: filter.ids } } : {}),
      },
      orderBy: { createdAt: 'asc' },
    });
  }

  findUser(tenantId: string, id: string) {
    return this.prisma.user.findFirst({ where: { tenantId, id, deletedAt: null } });
  }

  async updateUser(tenantId: string, id: string, data: { name?: string; email?: string | null; role?: Role }) {
    const r = await this.prisma.user.updateMany({ where: { tenantId, id, deletedAt: null }, data });
    return r.count ? this.findUser(tenantId, id) : null;
  }

  async softDeleteUser(tenantId: string, id: string): Promise<boolean> {
    const r = await this.prisma.user.updateMany({
      where: { tenantId, id, deletedAt: null },
      data: { deletedAt: new Date() },
    });
    if (r.count)
      await this.prisma.apiKey.updateMany({
        where: { tenantId, userId: id, revokedAt: null },
        data: { revokedAt: new Date() },
      });
    return r.count > 0;
  }
}
