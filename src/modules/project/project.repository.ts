import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';

@Injectable()
export class ProjectRepository {
  constructor(private readonly prisma: PrismaService) {}

  findBySlug(tenantId: string, slug: string) {
    return this.prisma.project.findUnique({ where: { tenantId_slug: { tenantId, slug } } });
  }

  find(tenantId: string, id: string) {
    return this.prisma.project.findFirst({ where: { tenantId, id } });
  }

  /** Creates the project, or returns the one a concurrent request just created. */
  async upsert(data: { id: string; tenantId: string; ownerId: string; slug: string; name: string }) {
    return this.prisma.project.upsert({ where: { tenantId_slug: { tenantId: data.tenantId, slug: data.slug } }, create: data, update: {} });
  }

  list(tenantId: string, ownerId?: string) {
    return this.prisma.project.findMany({ where: { tenantId, ...(ownerId ? { ownerId } : {}) }, orderBy: { updatedAt: 'desc' } });
  }

  async update(tenantId: string, id: string, data: { name?: string; icon?: Prisma.InputJsonValue; commands?: Prisma.InputJsonValue; vcs?: string | null; initializedAt?: Date }) {
    const r = await this.prisma.project.updateMany({ where: { tenantId, id }, data });
    return r.count ? this.find(tenantId, id) : null;
  }
}
