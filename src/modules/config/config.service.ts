import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { TtlCache } from '../../core/cache/ttl-cache';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { ACCESS_CHANGED } from '../event/access-changed.event';
import { EventBus } from '../event/event.bus';
import { ConfigRepository } from './config.repository';
import { loadPlatformConfig } from './config.load';
import { detectLocalOllama } from './local-ollama';
import { mergeConfig } from './config.merge';
import { parseConfig } from './config.parse';
import type { Config } from './config.schema';
import { mergeLayersWithProviderPolicy } from './provider-endpoints';

// Other processes see a PATCH within this time; the process that takes it invalidates at once, and a change of the
// school layer (which holds `role_access`) is announced on the bus so every process drops its layers at once.
const CACHE_MS = 5_000;

/**
 * Layered OpenCode config: platform (OPENCODE_CONFIG / OPENCODE_CONFIG_CONTENT, read once at boot) → tenant →
 * project. Later layers win; arrays concatenate.
 */
@Injectable()
export class ConfigService implements OnModuleInit, OnModuleDestroy {
  private platformConfig: Config = {};
  private pluginRules: Config[] = [];
  private readonly cache = new TtlCache<string, Config>(CACHE_MS);
  private readonly tenantLayers = new TtlCache<string, Config | undefined>(CACHE_MS);
  private readonly projectLayers = new TtlCache<string, Config | undefined>(CACHE_MS);
  private off?: () => void;

  constructor(
    private readonly repo: ConfigRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly app: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED && e.event.properties.reason === 'policy.changed',
      () => this.invalidate(),
    );
    // Bad platform config is fatal at boot, with the path of the offending key.
    this.platformConfig = await loadPlatformConfig({
      configPath: this.app.opencodeConfigPath,
      configContent: this.app.opencodeConfigContent,
      env: this.app.providerEnv,
    });
    const ollama = await detectLocalOllama(this.platformConfig, this.app.providerEnv);
    if (ollama) this.platformConfig = mergeConfig(ollama, this.platformConfig);
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  platform(): Config {
    return this.platformConfig;
  }

  /**
   * What the platform plugins' `config` hooks changed, applied once at load: the platform config with their
   * accepted changes, and one permission layer per plugin that wrote rules (narrow-only, under the platform's).
   */
  applyPluginChanges(platform: Config, layers: Config[]): void {
    this.platformConfig = platform;
    this.pluginRules = layers;
    this.invalidate();
  }

  /** The plugins' permission layers (see applyPluginChanges), in the platform's plugin order. */
  pluginLayers(): Config[] {
    return this.pluginRules;
  }

  async tenantLayer(tenantId: string): Promise<Config | undefined> {
    const raw = await this.repo.get(tenantId, 'tenant');
    return raw ? parseConfig(raw, 'tenant config') : undefined;
  }

  /** The tenant layer for readers on the prompt path (role rules, every step): cached like the merged config. */
  cachedTenantLayer(tenantId: string): Promise<Config | undefined> {
    return this.tenantLayers.get(tenantId, () => this.tenantLayer(tenantId));
  }

  async projectLayer(tenantId: string, projectId: string): Promise<Config | undefined> {
    const raw = await this.repo.get(tenantId, `project:${projectId}`);
    return raw ? parseConfig(raw, 'project config') : undefined;
  }

  /** The project layer alone, for the permission layers of every step (a merged config cannot tell who wrote a rule). */
  cachedProjectLayer(tenantId: string, projectId: string): Promise<Config | undefined> {
    return this.projectLayers.get(`${tenantId}\0${projectId}`, () => this.projectLayer(tenantId, projectId));
  }

  /** The merged config a request in this project sees. */
  effective(auth: AuthContext, projectId?: string): Promise<Config> {
    return this.cache.get(`${auth.tenantId}\0${projectId ?? ''}`, async () => {
      const [tenant, project] = await Promise.all([
        this.tenantLayer(auth.tenantId),
        projectId ? this.projectLayer(auth.tenantId, projectId) : undefined,
      ]);
      return mergeLayersWithProviderPolicy(this.platformConfig, tenant, project);
    });
  }

  invalidate(): void {
    this.cache.clear();
    this.tenantLayers.clear();
    this.projectLayers.clear();
  }
}
