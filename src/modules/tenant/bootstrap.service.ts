import { Inject, Injectable } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { TenantRepository } from './tenant.repository';
import { TenantService } from './tenant.service';

/**
 * Creates the first tenant and its platform-admin key when the database is empty. The platform administrators get
 * a tenant of their own, not a school: schools are created through POST /admin/tenants, each with its own admin.
 */
@Injectable()
export class BootstrapService {
  constructor(
    private readonly tenants: TenantService,
    private readonly repo: TenantRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Returns the new key, or null when a tenant already exists. */
  async ensureFirstTenant(opts: { slug: string; name: string }): Promise<{ key: string; tenantId: string } | null> {
    if ((await this.repo.countTenants()) > 0) return null;
    let created;
    try {
      created = await this.tenants.createTenant(
        { name: opts.name, slug: opts.slug, admin: { name: 'Administrator' } },
        { key: this.config.bootstrapApiKey, platformAdmin: true },
      );
    } catch (err) {
      // Another process booting at the same moment created it first (unique slug or key hash).
      if ((await this.repo.countTenants()) > 0) return null;
      throw err;
    }
    const { tenant, key } = created;
    this.logger.info({ tenantId: tenant.id }, 'created first tenant with a platform administrator');
    return { key, tenantId: tenant.id };
  }

  /** Embedded mode: the platform tenant, whose administrator key is kept (0600) in DATA_DIR so every start can print it. */
  async ensureDemo(): Promise<string | undefined> {
    const file = path.join(this.config.dataDir, 'demo-admin-key');
    const created = await this.ensureFirstTenant({ slug: 'platform', name: 'Platform administration' });
    if (created) {
      if (!this.config.bootstrapApiKey && !this.config.embeddedDbInMemory) {
        await fs.mkdir(this.config.dataDir, { recursive: true });
        await fs.writeFile(file, created.key + '\n', { mode: 0o600 });
      }
      return created.key;
    }
    if (this.config.bootstrapApiKey) return this.config.bootstrapApiKey;
    return (await fs.readFile(file, 'utf8').catch(() => '')).trim() || undefined;
  }
}
