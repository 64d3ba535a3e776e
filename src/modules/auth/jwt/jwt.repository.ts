import { Injectable } from '@nestjs/common';
import type { Role } from '../../../core/auth/auth-context';
import { newId } from '../../../core/ids';
import { Prisma } from '../../../generated/prisma/client';
import { PrismaService } from '../../../infra/database/prisma.service';
import type { JwtSettings } from './jwt-settings';

const SECRET_SCOPE = 'auth';
const SECRET_KEY = 'jwt.secret';

/** How a secret is stored: sealed (`{sealed}`); a bare string is a row written in clear by an earlier version. */
export type SealedSecret = { sealed: string };
type StoredSecret = SealedSecret | string;

export interface JwtUserRow {
  id: string;
  role: Role;
  platformAdmin: boolean;
  deletedAt: Date | null;
}

@Injectable()
export class JwtRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Tenants whose JWT settings name this issuer. */
  async tenantsByIssuer(issuer: string): Promise<{ id: string; settings: JwtSettings }[]> {
    const rows = await this.prisma.tenant.findMany({
      where: { settings: { path: ['jwt', 'issuer'], equals: issuer } },
      select: { id: true, settings: true },
      take: 2,
    });
    return rows.map((r) => ({ id: r.id, settings: (r.settings as unknown as { jwt: JwtSettings }).jwt }));
  }

  async settings(tenantId: string): Promise<JwtSettings | null> {
    const t = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    return ((t?.settings as { jwt?: JwtSettings } | null)?.jwt as JwtSettings | undefined) ?? null;
  }

  async secret(tenantId: string): Promise<StoredSecret | null> {
    const row = await this.prisma.setting.findUnique({
      where: { tenantId_scope_key: { tenantId, scope: SECRET_SCOPE, key: SECRET_KEY } },
    });
    return (row?.value as StoredSecret | undefined) ?? null;
  }

  /** Secrets still stored in clear (written before they were sealed). */
  async clearSecrets(): Promise<{ tenantId: string; value: string }[]> {
    const rows = await this.prisma.setting.findMany({ where: { scope: SECRET_SCOPE, key: SECRET_KEY } });
    return rows.flatMap((r) => (typeof r.value === 'string' ? [{ tenantId: r.tenantId, value: r.value }] : []));
  }

  /** Replaces a clear secret with its sealed form, unless another process (or an admin) changed it meanwhile. */
  async replaceClearSecret(tenantId: string, clear: string, sealed: SealedSecret): Promise<boolean> {
    const r = await this.prisma.setting.updateMany({
      where: { tenantId, scope: SECRET_SCOPE, key: SECRET_KEY, value: { equals: clear } },
      data: { value: sealed },
    });
    return r.count > 0;
  }

  /**
   * Writes settings.jwt (other settings untouched) and the sealed secret, in one transaction. `secret: null`
   * removes it. A unique index on the issuer makes two tenants claiming one issuer a P2002.
   */
  async save(tenantId: string, jwt: JwtSettings | null, secret: SealedSecret | null | undefined): Promise<void> {
    await this.prisma.$transaction(async (tx) => {
      const t = await tx.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { settings: true } });
      const { jwt: _old, ...rest } = (t.settings ?? {}) as Record<string, unknown>;
      await tx.tenant.update({
        where: { id: tenantId },
        data: { settings: (jwt ? { ...rest, jwt } : rest) as Prisma.InputJsonValue },
      });
      if (secret === null || !jwt)
        await tx.setting.deleteMany({ where: { tenantId, scope: SECRET_SCOPE, key: SECRET_KEY } });
      else if (secret !== undefined) {
        await tx.setting.upsert({
          where: { tenantId_scope_key: { tenantId, scope: SECRET_SCOPE, key: SECRET_KEY } },
          create: { tenantId, scope: SECRET_SCOPE, key: SECRET_KEY, value: secret },
          update: { value: secret },
        });
      }
    });
  }

  findUser(tenantId: string, externalId: string): Promise<JwtUserRow | null> {
    return this.prisma.user.findUnique({
      where: { tenantId_externalId: { tenantId, externalId } },
      select: { id: true, role: true, platformAdmin: true, deletedAt: true },
    });
  }

  /** First sight of a platform user. A race with a parallel first request ends in the other's row. */
  async provision(
    tenantId: string,
    u: { externalId: string; name: string; email?: string; role: Role },
  ): Promise<JwtUserRow> {
    const select = { id: true, role: true, platformAdmin: true, deletedAt: true } as const;
    const create = (email?: string) =>
      this.prisma.user.create({
        data: {
          id: newId('user'),
          tenantId,
          externalId: u.externalId,
          name: u.name,
          role: u.role,
          ...(email ? { email } : {}),
        },
        select,
      });
    try {
      return await create(u.email);
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      const existing = await this.findUser(tenantId, u.externalId);
      if (existing) return existing;
      return create(); // the email belongs to another user of the tenant: keep the account, drop the email
    }
  }

  async setRole(tenantId: string, id: string, role: Role): Promise<void> {
    await this.prisma.user.updateMany({ where: { tenantId, id }, data: { role } });
  }

  /** Makes the user's memberships exactly these classes (by name, created when missing). Returns the class ids. */
  async syncClasses(tenantId: string, userId: string, names: string[], role: 'teacher' | 'student'): Promise<string[]> {
    const ids: string[] = [];
    for (const name of names) {
      const cls = await this.prisma.class.upsert({
        where: { tenantId_name: { tenantId, name } },
        create: { id: newId('class'), tenantId, name },
        update: {},
        select: { id: true },
      });
      ids.push(cls.id);
    }
    await this.prisma.$transaction([
      this.prisma.classMember.deleteMany({ where: { tenantId, userId, classId: { notIn: ids } } }),
      ...ids.map((classId) =>
        this.prisma.classMember.upsert({
          where: { classId_userId: { classId, userId } },
          create: { tenantId, classId, userId, role },
          update: { role },
        }),
      ),
    ]);
    return ids;
  }

  async classIds(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma.classMember.findMany({ where: { tenantId, userId }, select: { classId: true } });
    return rows.map((r) => r.classId);
  }
}
