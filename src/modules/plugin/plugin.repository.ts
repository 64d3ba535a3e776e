import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';

/** The school's choice of platform plugins: `Tenant.settings.plugins`, `{ name: false }` turns one off. */
@Injectable()
export class PluginRepository {
  constructor(private readonly prisma: PrismaService) {}

  async choices(tenantId: string): Promise<Record<string, boolean>> {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { settings: true } });
    const plugins = (tenant?.settings as { plugins?: unknown } | null)?.plugins;
    if (!plugins || typeof plugins !== 'object' || Array.isArray(plugins)) return {};
    return Object.fromEntries(Object.entries(plugins).filter((e): e is [string, boolean] => typeof e[1] === 'boolean'));
  }
}
