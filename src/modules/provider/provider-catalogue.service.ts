import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { filterProviders, lockedBy, policyDefaultModel, type UserAccess } from '../access/access.policy';
import { AccessService } from '../access/access.service';
import { AgentService } from '../agent/agent.service';
import type { Config } from '../config/config.schema';
import { ConfigService } from '../config/config.service';
import { ProjectService } from '../project/project.service';
import type { ApiProvider } from './models/catalogue.schema';
import { ProviderRegistry } from './provider-registry';
import { ProviderService } from './provider.service';

/** GET /provider, /config/providers, /provider/auth from the bundled models.dev snapshot and the layered config. */
@Injectable()
export class ProviderCatalogueService {
  private readonly registry = new ProviderRegistry();

  constructor(
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    private readonly access: AccessService,
    private readonly agents: AgentService,
    private readonly providers: ProviderService,
    @Inject(APP_CONFIG) private readonly app: AppConfig,
  ) {}

  private async context(auth: AuthContext, directory?: string) {
    const project = await this.projects.resolve(auth, directory);
    const config = await this.config.effective(auth, project.id);
    return {
      projectId: project.id,
      config,
      ctx: { env: this.app.allowEnvProviderKeysByDefault ? { ...this.app.providerEnv } : {} },
    };
  }

  /**
   * The policy's default model for the listings' `default` (OpenCode's TUI falls back to it), and whether it is the
   * only model the user may use (`allow_change: false`): the same choice the TurnContext makes for a new turn.
   */
  private async choice(auth: AuthContext, projectId: string, config: Config, access: UserAccess) {
    const locked = !!lockedBy(access);
    if (!locked && !policyDefaultModel(access)) return {};
    const agent = locked ? await this.agents.defaultFor(auth, projectId, access).catch(() => undefined) : undefined;
    const model = await this.providers.defaultFor(auth.tenantId, config, access, agent?.model).catch(() => undefined);
    return { model, locked };
  }

  // Both listings show only the models the caller's policies (role, class, assignment) let them pick.
  async list(auth: AuthContext, directory?: string) {
    const { projectId, config, ctx } = await this.context(auth, directory);
    const access = await this.access.forUser(auth, projectId);
    const out = this.registry.list(config, ctx);
    const choice = await this.choice(auth, projectId, config, access);
    const { providers: all, default: defaults } = filterProviders(access, out.all, out.default, choice);
    return {
      all: all.map(publicProvider),
      default: defaults,
      connected: out.connected.filter((id) => all.some((p) => p.id === id)),
    };
  }

  async configProviders(auth: AuthContext, directory?: string) {
    const { projectId, config, ctx } = await this.context(auth, directory);
    const access = await this.access.forUser(auth, projectId);
    const out = this.registry.configProviders(config, ctx);
    const choice = await this.choice(auth, projectId, config, access);
    const { providers, default: defaults } = filterProviders(access, out.providers, out.default, choice);
    return { providers: providers.map(publicProvider), default: defaults };
  }

  async authMethods(auth: AuthContext, directory?: string) {
    const { config, ctx } = await this.context(auth, directory);
    const { all } = this.registry.list(config, ctx);
    return Object.fromEntries(all.map((p) => [p.id, [{ type: 'api', label: 'API key' }]]));
  }
}

/**
 * A provider as the API shows it to anyone: OpenCode's shape with `options`, model `options` and `headers` empty,
 * no `key`, and no endpoint URL. Those carry API keys, gateway accounts and internal addresses; the server uses
 * them, clients never need them.
 */
export function publicProvider(provider: ApiProvider): ApiProvider {
  const { key: _k, ...rest } = provider;
  return {
    ...rest,
    options: {},
    models: Object.fromEntries(
      Object.entries(provider.models).map(([id, m]) => [
        id,
        { ...m, api: { ...m.api, url: '' }, options: {}, headers: {} },
      ]),
    ),
  };
}
