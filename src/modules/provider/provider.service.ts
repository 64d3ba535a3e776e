import { Inject, Injectable } from '@nestjs/common';
import { TtlCache } from '../../core/cache/ttl-cache';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError } from '../../core/errors/domain-error';
import { parseModelRef } from '../agent/agent.builtins';
import type { Config } from '../config/config.schema';
import type { ModelCost } from './models/catalogue.schema';
import type { LanguageModel } from './provider.types';
import { CredentialRepository } from './credential.repository';
import { CredentialService } from './credential.service';
import type { ApiModel } from './models/catalogue.schema';
import { ProviderRegistry } from './provider-registry';

export interface ModelRef {
  providerID: string;
  modelID: string;
}

export interface ModelInfo extends ModelRef {
  /** Id sent to the provider (`api.id`). */
  apiId: string;
  name: string;
  limit: { context: number; input?: number; output: number };
  cost?: ModelCost;
  toolCall: boolean;
  reasoning: boolean;
  temperature: boolean;
  attachment: boolean;
  options: Record<string, unknown>;
  headers: Record<string, string>;
}

export interface ResolvedModel {
  info: ModelInfo;
  language: LanguageModel;
  /** The catalogue entry, for request shaping (sampling defaults, variants, options). */
  api: ApiModel;
}

/** Turns a (provider, model) choice plus the layered config into a streaming model and its facts. */
@Injectable()
export class ProviderService {
  private readonly registry = new ProviderRegistry();

  constructor(
    @Inject(APP_CONFIG) private readonly app: AppConfig,
    private readonly credentials: CredentialService,
    private readonly credentialRepo: CredentialRepository,
  ) {}

  /** What a tenant's requests may use: its stored keys, and the platform's env keys when allowed. */
  private async context(tenantId: string) {
    const [apiKeys, settings] = await Promise.all([this.credentials.apiKeys(tenantId), this.tenantSettings(tenantId)]);
    const envAllowed = typeof settings.envProviderKeys === 'boolean' ? settings.envProviderKeys : this.app.allowEnvProviderKeysByDefault;
    return { apiKeys, env: envAllowed ? { ...this.app.providerEnv } : {} };
  }

  // Read on every step; the `envProviderKeys` switch reaches running processes within seconds, like config.
  private readonly settings = new TtlCache<string, Record<string, unknown>>(5_000);

  private tenantSettings(tenantId: string): Promise<Record<string, unknown>> {
    return this.settings.get(tenantId, () => this.credentialRepo.tenantSettings(tenantId));
  }

  /** The model to use when neither the request nor the agent names one (config, then the best connected model). */
  async defaultModelFor(tenantId: string, config: Config): Promise<ModelRef> {
    const ctx = await this.context(tenantId);
    const resolved = this.registry.resolve(config, ctx);
    const ref = this.registry.catalogue.defaultModel(resolved);
    if (ref) return ref;
    return this.defaultModel(config);
  }

  async smallModelFor(tenantId: string, config: Config, fallback: ModelRef): Promise<ModelRef> {
    const resolved = this.registry.resolve(config, await this.context(tenantId));
    return this.registry.catalogue.smallModel(resolved, fallback.providerID) ?? fallback;
  }

  /**
   * A streaming model for (provider, model) in this tenant: catalogue + config, tenant credentials, env keys
   * when allowed. Setup problems (unknown model, missing key, unsupported provider) throw with a clear message.
   */
  async resolveFor(tenantId: string, config: Config, ref: ModelRef): Promise<ResolvedModel> {
    if (config.disabled_providers?.includes(ref.providerID) || (config.enabled_providers && !config.enabled_providers.includes(ref.providerID))) {
      throw new BadRequestError(`Provider ${ref.providerID} is not enabled`, { providerID: ref.providerID }, 'provider_disabled');
    }
    const ctx = await this.context(tenantId);
    const cacheKey = `${ref.providerID}\0${ref.modelID}\0${ctx.apiKeys[ref.providerID] ?? ''}\0${Object.keys(ctx.env).length}`;
    const perConfig = this.resolvedModels.get(config) ?? new Map<string, ResolvedModel>();
    const hit = perConfig.get(cacheKey);
    if (hit) return hit;
    const resolved = this.registry.resolve(config, ctx);
    const { model, info } = this.registry.languageModel(resolved, ref, ctx);
    const out = { language: model, info: this.fromApi(ref, info), api: info };
    perConfig.set(cacheKey, out);
    this.resolvedModels.set(config, perConfig);
    return out;
  }

  // Resolving the catalogue and building an SDK client costs milliseconds; it is done once per config object
  // (ConfigService returns the same object while its cache holds) and key.
  private readonly resolvedModels = new WeakMap<object, Map<string, ResolvedModel>>();

  private fromApi(ref: ModelRef, m: ApiModel): ModelInfo {
    return {
      ...ref,
      apiId: m.api.id,
      name: m.name,
      limit: { context: m.limit.context, ...(m.limit.input ? { input: m.limit.input } : {}), output: m.limit.output },
      cost: m.cost,
      toolCall: m.capabilities.toolcall,
      reasoning: m.capabilities.reasoning,
      temperature: m.capabilities.temperature,
      attachment: m.capabilities.attachment,
      options: { ...m.options },
      headers: { ...m.headers },
    };
  }

  /** OpenCode's order: the request's model, else config `model`, else the first configured model. */
  defaultModel(config: Config): ModelRef {
    const fromConfig = config.model ? parseModelRef(config.model) : undefined;
    if (fromConfig) return fromConfig;
    for (const [providerID, provider] of Object.entries(config.provider ?? {})) {
      if (config.enabled_providers && !config.enabled_providers.includes(providerID)) continue;
      const modelID = Object.keys(provider.models ?? {})[0];
      if (modelID) return { providerID, modelID };
    }
    throw new BadRequestError('No model is configured: set `model` (e.g. "openai/gpt-5") in the platform or tenant config, and a key such as OPENAI_API_KEY', {}, 'no_model');
  }

  smallModel(config: Config, fallback: ModelRef): ModelRef {
    return (config.small_model ? parseModelRef(config.small_model) : undefined) ?? fallback;
  }
}
