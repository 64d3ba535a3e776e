import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError } from '../../core/errors/domain-error';
import { ProjectService } from '../project/project.service';
import { AuditService } from '../audit/audit.service';
import { StreamGuard } from '../event/stream-guard.service';
import { ConfigRepository } from './config.repository';
import { ConfigService } from './config.service';
import { mergeConfig } from './config.merge';
import { parseConfig } from './config.parse';
import type { Config } from './config.schema';
import { configView, redactSecrets } from './config.view';
import { POLICY_DEFAULTS, type PolicyDefaults } from './policy-defaults.port';
import { SCHOOL_POLICY_CHECK, type SchoolPolicyCheck } from './school-policy.port';

/** Keys of a school's config that decide which agents and models `role_access` may name. */
const NAMES_WHAT_EXISTS = ['role_access', 'agent', 'mode', 'provider', 'disabled_providers', 'enabled_providers'];

/** Config routes: validated, merged into the project or tenant layer. */
@Injectable()
export class ConfigFacade {
  constructor(
    private readonly config: ConfigService,
    private readonly repo: ConfigRepository,
    private readonly projects: ProjectService,
    private readonly audit: AuditService,
    private readonly streams: StreamGuard,
    @Inject(POLICY_DEFAULTS) private readonly defaults: PolicyDefaults,
    @Inject(SCHOOL_POLICY_CHECK) private readonly policies: SchoolPolicyCheck,
  ) {}

  async effective(auth: AuthContext, directory?: string): Promise<Config> {
    const project = await this.projects.resolve(auth, directory);
    const [config, defaults] = await Promise.all([
      this.config.effective(auth, project.id),
      this.defaults.configKeys(auth, project.id),
    ]);
    return configView(auth, { ...config, ...defaults });
  }

  async tenant(auth: AuthContext): Promise<Config> {
    return configView(auth, (await this.config.tenantLayer(auth.tenantId)) ?? {});
  }

  async patchProject(auth: AuthContext, body: Record<string, unknown>, directory?: string): Promise<Config> {
    const project = await this.projects.resolve(auth, directory, 'write');
    const patch = this.validate(body);
    const next = mergeConfig((await this.config.projectLayer(auth.tenantId, project.id)) ?? {}, patch);
    await this.repo.put(auth.tenantId, `project:${project.id}`, next);
    this.config.invalidate();
    await this.audit.record(auth, 'config.update', `project:${project.id}`, { keys: Object.keys(patch) });
    return redactSecrets(patch);
  }

  async patchTenant(auth: AuthContext, body: Record<string, unknown>): Promise<Config> {
    const patch = this.validate(body);
    const next = mergeConfig((await this.config.tenantLayer(auth.tenantId)) ?? {}, patch);
    // A typo in `role_access` would silently allow or refuse nothing: checked against what the school will have,
    // also when the change removes an agent or a provider a list still names.
    if (NAMES_WHAT_EXISTS.some((key) => key in patch)) await this.policies.checkRoleAccess(auth, next);
    await this.repo.put(auth.tenantId, 'tenant', next);
    this.config.invalidate();
    // `role_access` lives here: every process re-reads the school layer and the policies built on it.
    this.streams.announce(auth.tenantId, { reason: 'policy.changed' });
    await this.audit.record(auth, 'config.update', 'tenant', { keys: Object.keys(patch) });
    return redactSecrets(next);
  }

  private validate(body: Record<string, unknown>): Config {
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new BadRequestError('The body must be a config object');
    const config = parseConfig(body, 'request body');
    // Plugins are code: only the platform's own config names them (docs/security.md, "Platform plugins").
    if (config.plugin?.length)
      throw new BadRequestError(
        'plugin: only the platform names plugins; a school turns the platform plugins on or off in its settings (plugins)',
        { field: 'plugin' },
        'plugin_not_allowed',
      );
    return config;
  }
}
