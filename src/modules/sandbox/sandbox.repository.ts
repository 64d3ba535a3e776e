import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';

/** The tenant settings the sandbox obeys. */
@Injectable()
export class SandboxRepository {
  constructor(private readonly prisma: PrismaService) {}

  async bashNetwork(tenantId: string): Promise<boolean> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    const settings = tenant?.settings;
    return (
      !!settings &&
      typeof settings === 'object' &&
      !Array.isArray(settings) &&
      (settings as Record<string, unknown>).bashNetwork === true
    );
  }
}
