import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import { Prisma } from '../../generated/prisma/client';

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
    const where = { tenantId_slug: { tenantId: data.tenantId, slug: data.slug } };
    try {
      return await this.prisma.project.upsert({ where, create: data, update: {} });
    } catch (err) {
      // Prisma's upsert is a read then an insert here, not ON CONFLICT: the loser of a race reads the winner's row.
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
        return this.prisma.project.findUniqueOrThrow({ where });
      throw err;
    }
  }

  list(tenantId: string, ownerIds?: string[]) {
    return this.prisma.project.findMany({
      where: { tenantId, ...(ownerIds ? { ownerId: { in: ownerIds } } : {}) },
      orderBy: { updatedAt: 'desc' },
    });
  }

  async update(
    tenantId: string,
    id: string,
    data: {
      name?: string;
      icon?: Prisma.InputJsonValue;
      commands?: Prisma.InputJsonValue;
      vcs?: string | null;
      initializedAt?: Date;
    },
  ) {
    const r = await this.prisma.project.updateMany({ where: { tenantId, id }, data });
    return r.count ? this.find(tenantId, id) : null;
  }

  /** The school's choice (Tenant.settings.teacherWrites): may teachers change their students' workspaces? */
  async teacherWrites(tenantId: string): Promise<boolean> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    return (tenant?.settings as { teacherWrites?: boolean } | null)?.teacherWrites === true;
  }
}
