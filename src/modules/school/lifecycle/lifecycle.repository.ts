import { Injectable } from '@nestjs/common';
import { deletedExternalId } from '../../../core/auth/deleted-identity';
import { PrismaService } from '../../../infra/database/prisma.service';

export interface ExportUserRow {
  id: string;
  name: string;
  email: string | null;
  role: string;
  externalId: string | null;
  createdAt: Date;
  deletedAt: Date | null;
}

@Injectable()
export class LifecycleRepository {
  constructor(private readonly prisma: PrismaService) {}

  findUser(tenantId: string, id: string): Promise<ExportUserRow | null> {
    return this.prisma.user.findFirst({
      where: { tenantId, id },
      select: { id: true, name: true, email: true, role: true, externalId: true, createdAt: true, deletedAt: true },
    });
  }

  async deletionPolicy(tenantId: string): Promise<'delete' | 'anonymise'> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    return (t?.settings as { userDeletion?: string } | null)?.userDeletion === 'delete' ? 'delete' : 'anonymise';
  }

  async disclosure(tenantId: string): Promise<string | undefined> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    const text = (t?.settings as { aiDisclosure?: unknown } | null)?.aiDisclosure;
    return typeof text === 'string' && text.trim() ? text : undefined;
  }

  /** Root sessions owned by the user (children go with their root). */
  async rootSessionIds(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma.session.findMany({
      where: { tenantId, userId, parentId: null },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => r.id);
  }

  async sessionIds(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma.session.findMany({
      where: { tenantId, userId },
      select: { id: true },
      orderBy: { createdAt: 'asc' },
    });
    return rows.map((r) => r.id);
  }

  /**
   * Strips what identifies a person; ids stay so usage and audit rows still add up. The host platform's id becomes
   * its tombstone hash, so the person's next JWT is refused rather than given a fresh account.
   */
  async anonymiseUser(tenantId: string, id: string): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const user = await tx.user.findFirst({ where: { tenantId, id }, select: { externalId: true } });
      const external = user?.externalId;
      await tx.user.updateMany({
        where: { tenantId, id },
        data: {
          name: 'Deleted user',
          email: null,
          externalId: external && !external.startsWith('deleted:') ? deletedExternalId(tenantId, external) : external,
        },
      });
      await tx.classMember.deleteMany({ where: { tenantId, userId: id } });
    });
  }

  ownedProjects(tenantId: string, userId: string): Promise<{ id: string; slug: string }[]> {
    return this.prisma.project.findMany({ where: { tenantId, ownerId: userId }, select: { id: true, slug: true } });
  }

  async deleteProjects(tenantId: string, ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    return (await this.prisma.project.deleteMany({ where: { tenantId, id: { in: ids } } })).count;
  }
}
