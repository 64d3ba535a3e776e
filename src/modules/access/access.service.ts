import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { TtlCache } from '../../core/cache/ttl-cache';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { accessListSchema, permissionConfigSchema, type AccessPolicy, type Config } from '../config/config.schema';
import { ConfigService } from '../config/config.service';
import { ACCESS_CHANGED } from '../event/access-changed.event';
import { EventBus } from '../event/event.bus';
import { fromConfig, fromLegacyTools, type Ruleset } from '../permission/permission.rules';
import { policyDefaultAgent, policyDefaultModel, type AccessList, type UserAccess } from './access.policy';
import { AccessRepository } from './access.repository';
import { z } from 'zod';

/** A class's settings: its access policy and permission rules for its students. */
export const classSettingsSchema = accessListSchema.extend({ permission: permissionConfigSchema.optional() });
export type ClassSettings = z.infer<typeof classSettingsSchema>;

// A policy row that no longer parses restricts rather than opens.
const CLOSED: AccessPolicy = { agents: [], models: [] };

/** `tools: {name: false}` turns a tool off; `true` is no opinion (a policy never re-opens what a layer above denies). */
function toolRules(tools: Record<string, boolean> | undefined): Ruleset {
  return fromLegacyTools(tools && Object.fromEntries(Object.entries(tools).filter(([, on]) => !on)));
}

function hasPolicy(p: AccessPolicy): boolean {
  return Object.values(p).some((v) => v !== undefined);
}

/**
 * What a user may pick: the platform's and school's `role_access` policies for their role, their classes', and in
 * an assignment's copy the assignment's. Cached per user and project; any `internal.access.changed` event (class
 * settings, an assignment's policy, school settings, rosters, roles) empties the cache in every process.
 */
@Injectable()
export class AccessService implements OnModuleInit, OnModuleDestroy {
  // A backstop only (POLICY_CACHE_MS): every write that changes a policy announces it on the bus, and every process
  // drops its cache then.
  private readonly cache: TtlCache<string, UserAccess>;
  /** Bumped by each invalidation: a load that started before it is answered but not kept. */
  private generation = 0;
  private off?: () => void;

  constructor(
    private readonly config: ConfigService,
    private readonly repo: AccessRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) app: AppConfig,
  ) {
    this.cache = new TtlCache(app.policyCacheMs);
  }

  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED,
      () => this.invalidate(),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  /**
   * With `projectId`, a student working in an assignment's copy also gets that assignment's policy as one more
   * list (set by the class's teacher, so it narrows like the class's own).
   */
  forUser(auth: AuthContext, projectId?: string): Promise<UserAccess> {
    const inProject = auth.role === 'student' ? projectId : undefined;
    return this.cache.getWithTtl(`${auth.tenantId}\0${auth.userId}\0${auth.role}\0${inProject ?? ''}`, async () => {
      const generation = this.generation;
      const value = await this.load(auth, inProject);
      return { value, ...(generation !== this.generation ? { ttlMs: 1 } : {}) };
    });
  }

  private async load(auth: AuthContext, inProject: string | undefined): Promise<UserAccess> {
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
    const classRules: Ruleset[] = [];
    for (const c of classes) {
      const parsed = classSettingsSchema.safeParse(c.settings ?? {});
      const { permission, ...policy }: ClassSettings = parsed.success ? parsed.data : CLOSED;
      if (hasPolicy(policy)) lists.push({ source: `class ${c.name}`, ...policy });
      if (permission !== undefined) classRules.push(fromConfig(permission));
    }
    if (assignment) {
      const parsed = accessListSchema.safeParse(assignment.policy ?? {});
      const policy = parsed.success ? parsed.data : CLOSED;
      if (hasPolicy(policy)) lists.push({ source: `assignment ${assignment.title}`, ...policy });
    }
    for (const list of lists) {
      const rules = toolRules(list.tools);
      if (rules.length) classRules.push(rules);
    }
    return { lists, classRules };
  }

  /** The policy's explicit defaults as config keys, for `GET /config` (the POLICY_DEFAULTS port). */
  async configKeys(auth: AuthContext, projectId: string): Promise<{ default_agent?: string; model?: string }> {
    const access = await this.forUser(auth, projectId);
    const agent = policyDefaultAgent(access);
    const model = policyDefaultModel(access);
    return {
      ...(agent ? { default_agent: agent } : {}),
      ...(model ? { model: `${model.providerID}/${model.modelID}` } : {}),
    };
  }

  invalidate(): void {
    this.generation++;
    this.cache.clear();
  }
}
