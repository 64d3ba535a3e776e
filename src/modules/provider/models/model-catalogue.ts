import type { FetchLike } from '../adapters/adapter.options';
import { ProviderModelNotFoundError } from '../provider.errors';
import { getPreset } from '../provider.presets';
import type { ResolveProviderInput } from '../provider.factory';
import { providersConfigSchema, type ConfigProvider, type ProvidersConfig } from './catalogue-config.schema';
import { emptyProvider, mergeConfigModel, modelVisible, publicOptions, toApiModel } from './catalogue-merge';
import {
  catalogueSnapshotSchema,
  devProviderSchema,
  type ApiModel,
  type ApiProvider,
  type CatalogueSnapshot,
  type DevProvider,
} from './catalogue.schema';
import { parseModelRef, pickSmallModelId, sortModelIds } from './model-ranking';
import bundledSnapshot from './models-snapshot.json';
import openCodeCatalogue from './models-opencode.json';

/**
 * The shipped catalogue: the hand-checked snapshot, over every other provider of OpenCode's bundled models.dev
 * catalogue (models-opencode.json, made by scripts/catalogue-from-opencode.cjs from `opencode models --verbose`).
 */
export function bundledCatalogue(): CatalogueSnapshot {
  const snapshot = catalogueSnapshotSchema.parse(bundledSnapshot);
  const fromOpenCode = catalogueSnapshotSchema.parse(openCodeCatalogue);
  return { ...snapshot, providers: { ...fromOpenCode.providers, ...snapshot.providers } };
}

export interface ModelCatalogueOptions {
  /** Defaults to the snapshot shipped in the repo. */
  snapshot?: CatalogueSnapshot;
  /** models.dev-style URL; refresh stays off unless this is set. */
  refreshUrl?: string;
  refreshIntervalMs?: number;
  fetch?: FetchLike;
  now?: () => number;
}

/** Who connects which provider: env (parsed by config), stored `api` credentials, and config. */
export interface CatalogueContext {
  env?: Record<string, string | undefined>;
  /** Provider ids with a stored API credential. */
  credentials?: Iterable<string>;
}

export interface ResolvedCatalogue {
  /** Catalogue ∪ config providers, minus disabled / not enabled (GET /provider `all`). */
  all: ApiProvider[];
  /** Connected providers only (GET /config/providers `providers`). */
  connected: ApiProvider[];
  /** Best model per provider in `all`. */
  default: Record<string, string>;
  config: ProvidersConfig;
}

export interface ModelRef {
  providerID: string;
  modelID: string;
}

let shipped: CatalogueSnapshot | undefined;

const SOURCE_RANK = { env: 0, api: 1, custom: 2, config: 3 } as const;

export class ModelCatalogue {
  private data: Record<string, DevProvider>;
  private refreshedAt = 0;
  private readonly now: () => number;

  constructor(private readonly options: ModelCatalogueOptions = {}) {
    const snapshot = options.snapshot ?? (shipped ??= bundledCatalogue());
    this.data = snapshot.providers;
    this.now = options.now ?? Date.now;
  }

  private readonly converted = new Map<string, Record<string, ApiModel>>();

  private untouched(id: string, dev: DevProvider, fallbackUrl: string, experimental: boolean) {
    const key = `${id}\0${experimental}`;
    let models = this.converted.get(key);
    if (!models) this.converted.set(key, (models = this.convert(id, dev, fallbackUrl, undefined, experimental)));
    return models;
  }

  /** The provider's models in OpenCode's shape, config models merged in, hidden ones (deprecated, alpha, lists) out. */
  private convert(
    id: string,
    dev: DevProvider,
    fallbackUrl: string,
    cfg: ConfigProvider | undefined,
    experimental: boolean,
  ): Record<string, ApiModel> {
    const models: Record<string, ApiModel> = {};
    for (const [key, model] of Object.entries(dev.models)) models[key] = toApiModel(id, dev, model, fallbackUrl);
    for (const [key, cfgModel] of Object.entries(cfg?.models ?? {}))
      models[key] = toApiModel(id, dev, mergeConfigModel(key, dev.models[key], cfgModel), fallbackUrl);
    const opts = { experimental, whitelist: cfg?.whitelist, blacklist: cfg?.blacklist };
    return Object.fromEntries(Object.entries(models).filter(([, m]) => modelVisible(m, opts)));
  }

  /** Raw models.dev-shaped providers currently loaded. */
  get providers(): Readonly<Record<string, DevProvider>> {
    return this.data;
  }

  get lastRefresh(): number {
    return this.refreshedAt;
  }

  /**
   * Replace the data from `refreshUrl` (models.dev's api.json is a bare `{providerId: provider}` map; our
   * snapshot wraps it in `providers`). Invalid providers are skipped; a failed fetch keeps the old data.
   */
  async refresh(signal?: AbortSignal): Promise<boolean> {
    if (!this.options.refreshUrl) return false;
    const fetchFn = this.options.fetch ?? fetch;
    try {
      const response = await fetchFn(this.options.refreshUrl, {
        signal: signal ?? AbortSignal.timeout(10_000),
        headers: { accept: 'application/json' },
      });
      if (!response.ok) return false;
      const json = (await response.json()) as Record<string, unknown>;
      const map = (json.providers && typeof json.providers === 'object' ? json.providers : json) as Record<
        string,
        unknown
      >;
      const next: Record<string, DevProvider> = {};
      for (const [id, raw] of Object.entries(map)) {
        const parsed = devProviderSchema.safeParse({ id, ...(raw as object) });
        if (parsed.success) next[id] = parsed.data;
      }
      if (Object.keys(next).length === 0) return false;
      this.data = next;
      this.converted.clear();
      this.refreshedAt = this.now();
      return true;
    } catch {
      return false;
    }
  }

  /** Refresh when enabled and the data is older than the interval (60 min, like OpenCode). */
  async maybeRefresh(): Promise<boolean> {
    if (!this.options.refreshUrl) return false;
    if (this.now() - this.refreshedAt < (this.options.refreshIntervalMs ?? 3_600_000)) return false;
    return this.refresh();
  }

  resolve(rawConfig: unknown = {}, ctx: CatalogueContext = {}): ResolvedCatalogue {
    const config = providersConfigSchema.parse(rawConfig ?? {});
    const env = ctx.env ?? {};
    const credentials = new Set(ctx.credentials ?? []);
    const cfgProviders = config.provider ?? {};
    const ids = [...new Set([...Object.keys(this.data), ...Object.keys(cfgProviders)])];
    const allowed = (id: string) =>
      !(config.disabled_providers ?? []).includes(id) &&
      (!config.enabled_providers || config.enabled_providers.includes(id));

    const all: ApiProvider[] = [];
    const connected: ApiProvider[] = [];
    for (const id of ids.filter(allowed)) {
      const cfg = cfgProviders[id];
      const base = this.data[id] ?? emptyProvider(id, cfg ?? {});
      const dev: DevProvider = {
        ...base,
        name: cfg?.name ?? base.name,
        env: cfg?.env ?? base.env,
        npm: cfg?.npm ?? base.npm,
        api: cfg?.api ?? base.api,
      };
      const fallbackUrl =
        (typeof cfg?.options?.baseURL === 'string' ? cfg.options.baseURL : undefined) ?? getPreset(id)?.baseURL ?? '';
      // A provider the config does not touch always converts the same way: done once per catalogue data, since
      // the shipped catalogue has over a thousand models and this runs for every listing and every prompt.
      const experimental = config.experimentalModels ?? false;
      const visible = cfg
        ? this.convert(id, dev, fallbackUrl, cfg, experimental)
        : this.untouched(id, dev, fallbackUrl, experimental);

      let source: ApiProvider['source'] | undefined;
      const raise = (s: ApiProvider['source']) =>
        (source = !source || SOURCE_RANK[s] > SOURCE_RANK[source] ? s : source);
      if (dev.env.some((name) => env[name])) raise('env');
      if (credentials.has(id)) raise('api');
      if (cfg) raise('config');

      const provider: ApiProvider = {
        id,
        name: dev.name,
        source: source ?? 'custom',
        env: dev.env,
        options: publicOptions(cfg?.options),
        models: visible,
      };
      all.push(provider);
      // A config entry without models and without a key source adds nothing usable.
      if (source && Object.keys(visible).length > 0) connected.push(provider);
    }
    const defaults: Record<string, string> = {};
    for (const p of all) {
      const best = sortModelIds(Object.keys(p.models))[0];
      if (best) defaults[p.id] = best;
    }
    return { all, connected, default: defaults, config };
  }

  /** Config `model`, else the most recent used model still available, else the first connected provider's best. */
  defaultModel(resolved: ResolvedCatalogue, recent: ModelRef[] = []): ModelRef | undefined {
    const configured = resolved.config.model ? parseModelRef(resolved.config.model) : undefined;
    if (configured) return configured;
    for (const ref of recent) if (this.find(resolved, ref.providerID, ref.modelID)) return ref;
    const first = resolved.connected[0];
    const best = first ? sortModelIds(Object.keys(first.models))[0] : undefined;
    return first && best ? { providerID: first.id, modelID: best } : undefined;
  }

  /** Config `small_model`, else the provider's cheap model by OpenCode's priority list. */
  smallModel(resolved: ResolvedCatalogue, providerId: string): ModelRef | undefined {
    const configured = resolved.config.small_model ? parseModelRef(resolved.config.small_model) : undefined;
    if (configured) return configured;
    const provider = resolved.connected.find((p) => p.id === providerId);
    const id = provider ? pickSmallModelId(providerId, Object.keys(provider.models)) : undefined;
    return id ? { providerID: providerId, modelID: id } : undefined;
  }

  find(resolved: ResolvedCatalogue, providerId: string, modelId: string): ApiModel | undefined {
    return resolved.connected.find((p) => p.id === providerId)?.models[modelId];
  }

  /** The connected model, or ProviderModelNotFoundError with close matches as suggestions. */
  getModel(resolved: ResolvedCatalogue, providerId: string, modelId: string): ApiModel {
    const provider = resolved.connected.find((p) => p.id === providerId);
    if (!provider)
      throw new ProviderModelNotFoundError(
        providerId,
        undefined,
        suggest(
          providerId,
          resolved.connected.map((p) => p.id),
        ),
      );
    const model = provider.models[modelId];
    if (!model)
      throw new ProviderModelNotFoundError(providerId, modelId, suggest(modelId, Object.keys(provider.models)));
    return model;
  }

  /** What `resolveProvider()` needs to build a LanguageModel for a connected provider. */
  resolveInput(
    resolved: ResolvedCatalogue,
    providerId: string,
    ctx: { env?: Record<string, string | undefined>; apiKey?: string; credentialMeta?: Record<string, string> } = {},
  ): ResolveProviderInput {
    const cfg = resolved.config.provider?.[providerId];
    const dev = this.data[providerId];
    const options: Record<string, unknown> = { ...(cfg?.options ?? {}) };
    const api = cfg?.api ?? dev?.api;
    // models.dev `api` fills in the base URL for OpenAI-compatible providers we have no preset for.
    if (options.baseURL === undefined && api && !getPreset(providerId)?.baseURL) options.baseURL = api;
    return { id: providerId, options, apiKey: ctx.apiKey, env: ctx.env, credentialMeta: ctx.credentialMeta };
  }
}

function suggest(query: string, candidates: string[]): string[] {
  const q = query.toLowerCase();
  return candidates
    .map((c) => ({
      c,
      score:
        c.toLowerCase().includes(q) || q.includes(c.toLowerCase()) ? 0 : commonPrefix(c.toLowerCase(), q) > 2 ? 1 : 2,
    }))
    .filter((x) => x.score < 2)
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((x) => x.c);
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}
