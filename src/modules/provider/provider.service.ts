import { Inject, Injectable } from '@nestjs/common';
import { TtlCache } from '../../core/cache/ttl-cache';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { BadRequestError, DomainError } from '../../core/errors/domain-error';
import { egressGuard, type EgressGuard } from '../../core/net/egress';
import { ModelNotAllowedError } from '../access/access.errors';
import { defaultModelChoice, modelRefusedBy, type UserAccess } from '../access/access.policy';
import { parseModelRef } from '../agent/agent.builtins';
import type { Config } from '../config/config.schema';
import { providerEndpointOwner, type ConfigLayerName } from '../config/provider-endpoints';
import type { ResolvedProvider } from './provider.factory';
import { ProviderEndpointRefusedError, ProviderNotSupportedError } from './provider.errors';
import { getPreset } from './provider.presets';
import type { ModelCost } from './models/catalogue.schema';
import { eventStream } from './event-stream';
import { ProviderError, type LanguageModel } from './provider.types';
import { CredentialRepository } from './credential.repository';
import { CredentialService } from './credential.service';
import type { ApiModel } from './models/catalogue.schema';
import { ProviderRegistry } from './provider-registry';
import { providerErrorLog } from './retry';

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
  private readonly egress: EgressGuard;

  constructor(
    @Inject(APP_CONFIG) private readonly app: AppConfig,
    private readonly credentials: CredentialService,
    private readonly credentialRepo: CredentialRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.egress = egressGuard(app.egressAllow);
  }

  /** What a tenant's requests may use: its stored keys, and the platform's env keys when allowed. */
  private async context(tenantId: string) {
    const [stored, settings] = await Promise.all([this.credentials.stored(tenantId), this.tenantSettings(tenantId)]);
    const envAllowed =
      typeof settings.envProviderKeys === 'boolean' ? settings.envProviderKeys : this.app.allowEnvProviderKeysByDefault;
    return {
      apiKeys: stored.keys,
      credentialMeta: stored.metadata,
      env: envAllowed ? { ...this.app.providerEnv } : {},
    };
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

  /**
   * The model of a user who names none (the TurnContext and the listings ask here): the policy's default, then
   * `agentModel` and the configured default where the lists allow them, then the first model they allow.
   */
  async defaultFor(tenantId: string, config: Config, access: UserAccess, agentModel?: ModelRef): Promise<ModelRef> {
    const configured = await this.defaultModelFor(tenantId, config);
    const choice = defaultModelChoice(access, [agentModel, configured]);
    if (choice) return choice;
    throw new ModelNotAllowedError(configured, modelRefusedBy(access, configured)?.source ?? 'policy');
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
    if (
      config.disabled_providers?.includes(ref.providerID) ||
      (config.enabled_providers && !config.enabled_providers.includes(ref.providerID))
    ) {
      throw new BadRequestError(
        `Provider ${ref.providerID} is not enabled`,
        { providerID: ref.providerID },
        'provider_disabled',
      );
    }
    // Presets this server cannot serve say why before anything else (a missing key or model would hide it).
    const preset = getPreset(ref.providerID);
    if (preset && !preset.supported)
      throw new ProviderNotSupportedError(ref.providerID, preset.reason ?? 'not supported on this server');
    const owner = providerEndpointOwner(config, ref.providerID);
    const ctx = keysFor(await this.context(tenantId), owner);
    const meta = JSON.stringify(ctx.credentialMeta[ref.providerID] ?? {});
    const cacheKey = `${ref.providerID}\0${ref.modelID}\0${owner}\0${ctx.apiKeys[ref.providerID] ?? ''}\0${meta}\0${Object.keys(ctx.env).length}`;
    const perConfig = this.resolvedModels.get(config) ?? new Map<string, ResolvedModel>();
    const hit = perConfig.get(cacheKey);
    if (hit) return hit;
    const resolved = this.registry.resolve(config, ctx);
    const below = owner !== 'platform';
    let built: ReturnType<ProviderRegistry['languageModel']>;
    try {
      built = this.registry.languageModel(resolved, ref, {
        ...ctx,
        guardedFetch: this.egress.fetch,
        ...(below ? { fetch: this.egress.fetch } : {}),
      });
    } catch (error) {
      if (below && error instanceof ProviderError && error.kind === 'auth') throw keyStaysBehind(ref.providerID, owner);
      throw error;
    }
    if (below) await this.checkEndpoint(ref.providerID, owner, built.provider);
    const { model, info } = built;
    const out = {
      language: withErrorLog(model, (error) =>
        this.logger.warn({ tenantId, ...providerErrorLog(error) }, 'provider request failed'),
      ),
      info: this.fromApi(ref, info),
      api: info,
    };
    perConfig.set(cacheKey, out);
    this.resolvedModels.set(config, perConfig);
    return out;
  }

  /**
   * An endpoint chosen below the platform layer is refused before any request when it reaches a private,
   * loopback or metadata address the platform did not allow; every request then goes through the egress guard.
   */
  private async checkEndpoint(providerId: string, owner: ConfigLayerName, provider: ResolvedProvider): Promise<void> {
    // Service-account JSON names its own token endpoint, which the SDK would call outside the guard.
    if (provider.extra.credentials !== undefined) {
      throw new ProviderEndpointRefusedError(
        providerId,
        `Provider ${providerId}: credential files can only be configured by the platform, not in the ${owner} config`,
      );
    }
    if (!provider.baseURL || provider.baseURL.includes('{')) return;
    try {
      await this.egress.check(provider.baseURL);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      throw new ProviderEndpointRefusedError(
        providerId,
        `Provider ${providerId}: the endpoint set in the ${owner} config is refused. ${error.message}`,
      );
    }
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
    throw new BadRequestError(
      'No model is configured: set `model` (e.g. "openai/gpt-5") in the platform or tenant config, and a key such as OPENAI_API_KEY',
      {},
      'no_model',
    );
  }

  smallModel(config: Config, fallback: ModelRef): ModelRef {
    return (config.small_model ? parseModelRef(config.small_model) : undefined) ?? fallback;
  }
}

interface KeyContext {
  apiKeys: Record<string, string>;
  credentialMeta: Record<string, Record<string, string>>;
  env: Record<string, string>;
}

/** Keys travel only to endpoints chosen by their own layer or above it: env keys to the platform's, school keys to the school's. */
function keysFor(ctx: KeyContext, owner: ConfigLayerName): KeyContext {
  if (owner === 'platform') return ctx;
  const school = owner === 'tenant';
  return { apiKeys: school ? ctx.apiKeys : {}, credentialMeta: school ? ctx.credentialMeta : {}, env: {} };
}

function keyStaysBehind(providerId: string, owner: ConfigLayerName): ProviderError {
  const withheld = owner === 'tenant' ? "the platform's keys are" : "the platform's and the school's keys are";
  const own =
    owner === 'tenant'
      ? `set options.apiKey there or store a key (PUT /auth/${providerId})`
      : 'set options.apiKey in the same config';
  return new ProviderError(
    'auth',
    `Provider ${providerId}'s endpoint is set in the ${owner} config, so ${withheld} not sent there: ${own}.`,
    providerId,
    { isRetryable: false, ownMessage: true },
  );
}

/**
 * The provider's own words (body, headers) about a failure go to the log; the stored message gets the short form.
 * One handler per stream, nothing per event.
 */
function withErrorLog(model: LanguageModel, log: (error: ProviderError) => void): LanguageModel {
  const failed = (error: unknown): never => {
    if (error instanceof ProviderError && error.kind !== 'aborted') log(error);
    throw error;
  };
  return {
    providerId: model.providerId,
    modelId: model.modelId,
    stream: (request) => eventStream((sink) => model.stream(request).pipe(sink).then(undefined, failed)),
  };
}
