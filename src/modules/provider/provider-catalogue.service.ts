import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { ConfigService } from '../config/config.service';
import { ProjectService } from '../project/project.service';
import { ProviderRegistry } from './provider-registry';

/** GET /provider, /config/providers, /provider/auth from the bundled models.dev snapshot and the layered config. */
@Injectable()
export class ProviderCatalogueService {
  private readonly registry = new ProviderRegistry();

  constructor(
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    @Inject(APP_CONFIG) private readonly app: AppConfig,
  ) {}

  private async context(auth: AuthContext, directory?: string) {
    const project = await this.projects.resolve(auth, directory);
    const config = await this.config.effective(auth, project.id);
    return { config, ctx: { env: this.app.allowEnvProviderKeysByDefault ? { ...this.app.providerEnv } : {} } };
  }

  async list(auth: AuthContext, directory?: string) {
    const { config, ctx } = await this.context(auth, directory);
    return this.registry.list(config, ctx);
  }

  async configProviders(auth: AuthContext, directory?: string) {
    const { config, ctx } = await this.context(auth, directory);
    return this.registry.configProviders(config, ctx);
  }

  async authMethods(auth: AuthContext, directory?: string) {
    const { config, ctx } = await this.context(auth, directory);
    const { all } = this.registry.list(config, ctx);
    return Object.fromEntries(all.map((p) => [p.id, [{ type: 'api', label: 'API key' }]]));
  }
}
