import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { TtlCache } from '../../core/cache/ttl-cache';
import { accessListSchema, permissionConfigSchema, type Config } from '../config/config.schema';
import { ConfigService } from '../config/config.service';
import { fromConfig } from '../permission/permission.rules';
import type { AccessList, UserAccess } from './access.policy';
import { AccessRepository } from './access.repository';
import { z } from 'zod';

/** A class's settings: the allow-lists and permission rules for its students. */
export const classSettingsSchema = accessListSchema.extend({ permission: permissionConfigSchema.optional() });
export type ClassSettings = z.infer<typeof classSettingsSchema>;

// Same horizon as config: another process sees a changed class or school setting within this time.
const CACHE_MS = 5_000;

/** What a user may pick: the platform's and school's `role_access` lists for their role, and their classes'. */
@Injectable()
export class AccessService {
  private readonly cache = new TtlCache<string, UserAccess>(CACHE_MS);

  constructor(
    private readonly config: ConfigService,
    private readonly repo: AccessRepository,
  ) {}

  forUser(auth: AuthContext): Promise<UserAccess> {
    return this.cache.get(`${auth.tenantId}\0${auth.userId}\0${auth.role}`, async () => {
      const roleList = (layer: Config | undefined, source: string): AccessList[] => {
        const list = layer?.role_access?.[auth.role];
        return list ? [{ source, ...list }] : [];
      };
      const [tenant, classes] = await Promise.all([
        this.config.cachedTenantLayer(auth.tenantId),
        auth.role === 'student' ? this.repo.studentClassSettings(auth.tenantId, auth.userId) : [],
      ]);
      const lists = [...roleList(this.config.platform(), 'platform'), ...roleList(tenant, 'school')];
      const classRules = [];
      for (const c of classes) {
        // Settings are validated on write; a row that no longer parses restricts rather than opens.
        const parsed = classSettingsSchema.safeParse(c.settings ?? {});
        const settings: ClassSettings = parsed.success ? parsed.data : { agents: [], models: [] };
        if (settings.agents || settings.models)
          lists.push({ source: `class ${c.name}`, agents: settings.agents, models: settings.models });
        if (settings.permission !== undefined) classRules.push(fromConfig(settings.permission));
      }
      return { lists, classRules };
    });
  }

  invalidate(): void {
    this.cache.clear();
  }
}
