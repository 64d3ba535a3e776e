import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { filterProviders } from '../access/access.policy';
import { AccessService } from '../access/access.service';
import { ConfigService } from '../config/config.service';
import { ProjectService } from '../project/project.service';
import type { ApiProvider } from './models/catalogue.schema';
import { ProviderRegistry } from './provider-registry';

/** GET /provider, /config/providers, /provider/auth from the bundled models.dev snapshot and the layered config. */
@Injectable()
export class ProviderCatalogueService {
  private readonly registry = new ProviderRegistry();

  constructor(
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    private readonly access: AccessService,
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

  // Both listings show only the models the caller's allow-lists (role, class) let them pick.
  async list(auth: AuthContext, directory?: string) {
    const { projectId, config, ctx } = await this.context(auth, directory);
    const access = await this.access.forUser(auth, projectId);
    const out = this.registry.list(config, ctx);
    const { providers: all, default: defaults } = filterProviders(access, out.all, out.default);
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
    const { providers, default: defaults } = filterProviders(access, out.providers, out.default);
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
