import type { FetchLike } from './adapters/adapter.options';
import type { ApiModel, ApiProvider } from './models/catalogue.schema';
import { ModelCatalogue, type CatalogueContext, type ModelRef, type ResolvedCatalogue } from './models/model-catalogue';
import { createLanguageModel, resolveProvider, type ResolvedProvider } from './provider.factory';
import type { LanguageModel } from './provider.types';

export interface ProviderListResponse {
  all: ApiProvider[];
  default: Record<string, string>;
  connected: string[];
}

export interface ConfigProvidersResponse {
  providers: ApiProvider[];
  default: Record<string, string>;
}

export interface RegistryContext extends CatalogueContext {
  /** Decrypted stored API keys by provider id (a tenant's credentials). */
  apiKeys?: Record<string, string>;
  /** Metadata stored with those keys, by provider id. */
  credentialMeta?: Record<string, Record<string, string>>;
  /** The fetch this model's requests go through (the egress guard for endpoints below the platform layer). */
  fetch?: FetchLike;
  /** The egress guard's fetch, for hosts a credential names itself. */
  guardedFetch?: FetchLike;
}

/**
 * One place for the HTTP layer and the agent loop: catalogue answers (GET /provider, GET /config/providers)
 * and ready-to-stream models. Stateless apart from the catalogue; config and credentials come per call.
 */
export class ProviderRegistry {
  constructor(
    readonly catalogue: ModelCatalogue = new ModelCatalogue(),
    private readonly deps: { fetch?: FetchLike } = {},
  ) {}

  resolve(config: unknown, ctx: RegistryContext = {}): ResolvedCatalogue {
    return this.catalogue.resolve(config, {
      env: ctx.env,
      credentials: ctx.credentials ?? Object.keys(ctx.apiKeys ?? {}),
    });
  }

  /** GET /provider */
  list(config: unknown, ctx: RegistryContext = {}): ProviderListResponse {
    const resolved = this.resolve(config, ctx);
    return { all: resolved.all, default: resolved.default, connected: resolved.connected.map((p) => p.id) };
  }

  /** GET /config/providers */
  configProviders(config: unknown, ctx: RegistryContext = {}): ConfigProvidersResponse {
    const resolved = this.resolve(config, ctx);
    const connected = new Set(resolved.connected.map((p) => p.id));
    return {
      providers: resolved.connected,
      default: Object.fromEntries(Object.entries(resolved.default).filter(([id]) => connected.has(id))),
    };
  }

  /**
   * The model's catalogue entry and a LanguageModel for it. Throws ProviderModelNotFoundError,
   * ProviderNotSupportedError, ProviderMisconfiguredError, or ProviderError('auth') for a missing key.
   */
  languageModel(
    resolved: ResolvedCatalogue,
    ref: ModelRef,
    ctx: RegistryContext = {},
  ): { model: LanguageModel; info: ApiModel; provider: ResolvedProvider } {
    const info = this.catalogue.getModel(resolved, ref.providerID, ref.modelID);
    const input = this.catalogue.resolveInput(resolved, ref.providerID, {
      env: ctx.env,
      apiKey: ctx.apiKeys?.[ref.providerID],
      credentialMeta: ctx.credentialMeta?.[ref.providerID],
    });
    const provider = resolveProvider(input);
    const model = createLanguageModel(provider, info.api.id, {
      fetch: ctx.fetch ?? this.deps.fetch,
      guardedFetch: ctx.guardedFetch,
    });
    return { model, info, provider };
  }
}
