import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  userId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const SELECT = {
  id: true,
  tenantId: true,
  userId: true,
  name: true,
  prefix: true,
  createdAt: true,
  lastUsedAt: true,
  expiresAt: true,
  revokedAt: true,
} as const;

@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  findActiveByHash(hash: string) {
    return this.prisma.apiKey.findUnique({
      where: { hash },
      select: {
        ...SELECT,
        user: {
          select: { role: true, platformAdmin: true, deletedAt: true, classMembers: { select: { classId: true } } },
        },
      },
    });
  }

  /** Keys' current state and their users', read uncached (open streams re-check with it): one read for many. */
  keyPrincipals(tenantId: string, keyIds: string[]) {
    return this.prisma.apiKey.findMany({
      where: { tenantId, id: { in: keyIds } },
      select: {
        id: true,
        revokedAt: true,
        expiresAt: true,
        user: { select: { role: true, platformAdmin: true, deletedAt: true } },
      },
    });
  }

  /** Users' current role and deletion (callers signed in by JWT have no key): one read for many. */
  userPrincipals(tenantId: string, userIds: string[]) {
    return this.prisma.user.findMany({
      where: { tenantId, id: { in: userIds } },
      select: { id: true, role: true, platformAdmin: true, deletedAt: true },
    });
  }

  create(data: {
    id: string;
    tenantId: string;
    userId: string;
    name: string;
    prefix: string;
    hash: string;
    expiresAt?: Date;
    plugin?: string;
  }): Promise<ApiKeyRecord> {
    return this.prisma.apiKey.create({ data, select: SELECT });
  }

  /**
   * Creates the key unless the user already holds `maxActive` live ones (null then). The user's row is locked
   * for the count, so parallel requests on any number of processes cannot overshoot.
   */
  createWithin(data: Parameters<ApiKeyRepository['create']>[0], maxActive: number): Promise<ApiKeyRecord | null> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT 1 FROM "User" WHERE id = ${data.userId} AND "tenantId" = ${data.tenantId} FOR UPDATE`;
      const active = await tx.apiKey.count({
        where: {
          tenantId: data.tenantId,
          userId: data.userId,
          revokedAt: null,
          OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }],
        },
      });
      return active >= maxActive ? null : tx.apiKey.create({ data, select: SELECT });
    });
  }

  list(tenantId: string, userId?: string): Promise<ApiKeyRecord[]> {
    return this.prisma.apiKey.findMany({
      where: { tenantId, ...(userId ? { userId } : {}) },
      select: SELECT,
      orderBy: { createdAt: 'asc' },
    });
  }

  find(tenantId: string, id: string): Promise<ApiKeyRecord | null> {
    return this.prisma.apiKey.findFirst({ where: { tenantId, id }, select: SELECT });
  }

  async revoke(tenantId: string, id: string): Promise<ApiKeyRecord | null> {
    const r = await this.prisma.apiKey.updateMany({
      where: { tenantId, id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return r.count ? this.find(tenantId, id) : this.find(tenantId, id);
  }

  /**
   * Deletes the keys minted for platform plugins that expired before `now`, in every school (a maintenance sweep):
   * each plugin client mints a fresh key every hour and the expired ones are of no use to anyone. Keys people
   * created are never touched here, expired or not.
   */
  async deleteExpiredPluginKeys(now: Date): Promise<number> {
    const r = await this.prisma.apiKey.deleteMany({ where: { plugin: { not: null }, expiresAt: { lt: now } } });
    return r.count;
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.prisma.apiKey.updateMany({ where: { id }, data: { lastUsedAt: at } });
  }
}
