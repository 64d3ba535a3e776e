import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';

/** Config documents per scope (`tenant`, `project:<id>`), each an opencode.json-shaped object. */
@Injectable()
export class ConfigRepository {
  constructor(private readonly prisma: PrismaService) {}

  async get(tenantId: string, scope: string): Promise<unknown | undefined> {
    const row = await this.prisma.setting.findUnique({
      where: { tenantId_scope_key: { tenantId, scope, key: 'config' } },
    });
    return row?.value ?? undefined;
  }

  async put(tenantId: string, scope: string, value: unknown): Promise<void> {
    const json = value as Prisma.InputJsonValue;
    await this.prisma.setting.upsert({
      where: { tenantId_scope_key: { tenantId, scope, key: 'config' } },
      create: { tenantId, scope, key: 'config', value: json },
      update: { value: json },
    });
  }
}
