import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';

@Injectable()
export class PermissionRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.PermissionRequestUncheckedCreateInput) {
    return this.prisma.permissionRequest.create({ data });
  }

  find(tenantId: string, id: string) {
    return this.prisma.permissionRequest.findFirst({ where: { tenantId, id } });
  }

  pending(tenantId: string, sessionIds?: string[]) {
    return this.prisma.permissionRequest.findMany({
      where: { tenantId, status: 'pending', ...(sessionIds ? { sessionId: { in: sessionIds } } : {}) },
      orderBy: { id: 'asc' },
    });
  }

  /** Resolves a pending request once; false when it was already answered. */
  async resolve(tenantId: string, id: string, status: string, message?: string): Promise<boolean> {
    const r = await this.prisma.permissionRequest.updateMany({
      where: { tenantId, id, status: 'pending' },
      data: { status, message, resolvedAt: new Date() },
    });
    return r.count > 0;
  }

  async rejectAllPending(tenantId: string, sessionId: string, status = 'reject'): Promise<string[]> {
    const rows = await this.prisma.permissionRequest.findMany({
      where: { tenantId, sessionId, status: 'pending' },
      select: { id: true },
    });
    if (rows.length)
      await this.prisma.permissionRequest.updateMany({
        where: { id: { in: rows.map((r) => r.id) }, status: 'pending' },
        data: { status, resolvedAt: new Date() },
      });
    return rows.map((r) => r.id);
  }

  approvals(tenantId: string, projectId: string, userId?: string | null) {
    return this.prisma.permissionApproval.findMany({
      where: { tenantId, projectId, OR: [{ userId: null }, ...(userId ? [{ userId }] : [])] },
      orderBy: { createdAt: 'asc' },
    });
  }

  async approve(
    tenantId: string,
    projectId: string,
    userId: string | null,
    permission: string,
    patterns: string[],
    newId: () => string,
  ): Promise<void> {
    for (const pattern of patterns) {
      await this.prisma.permissionApproval.upsert({
        where: {
          tenantId_projectId_userId_permission_pattern: {
            tenantId,
            projectId,
            userId: userId as string,
            permission,
            pattern,
          },
        },
        create: { id: newId(), tenantId, projectId, userId, permission, pattern },
        update: {},
      });
    }
  }
}
