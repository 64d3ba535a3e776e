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

  /**
   * With `projectId`, a student working in an assignment's copy also gets that assignment's policy as one more
   * list (set by the class's teacher, so it narrows like the class's own).
   */
  forUser(auth: AuthContext, projectId?: string): Promise<UserAccess> {
    const inProject = auth.role === 'student' ? projectId : undefined;
    return this.cache.get(`${auth.tenantId}\0${auth.userId}\0${auth.role}\0${inProject ?? ''}`, async () => {
      const roleList = (layer: Config | undefined, source: string): AccessList[] => {
        const list = layer?.role_access?.[auth.role];
        return list ? [{ source, ...list }] : [];
      };
      const [tenant, classes, assignment] = await Promise.all([
        this.config.cachedTenantLayer(auth.tenantId),
        auth.role === 'student' ? this.repo.studentClassSettings(auth.tenantId, auth.userId) : [],
        inProject ? this.repo.assignmentPolicy(auth.tenantId, inProject) : undefined,
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
      if (assignment) {
        const policy = accessListSchema.safeParse(assignment.policy ?? {});
        const list = policy.success ? policy.data : { agents: [], models: [] };
        if (list.agents || list.models)
          lists.push({ source: `assignment ${assignment.title}`, agents: list.agents, models: list.models });
      }
      return { lists, classRules };
    });
  }

  invalidate(): void {
    this.cache.clear();
  }
}
