import type { ConfigModel, ConfigProvider } from './catalogue-config.schema';
import type { ApiModel, ApiProvider, DevModel, DevProvider } from './catalogue.schema';

// Pure conversions: models.dev entries + config overrides → OpenCode API `Model` / `Provider` shapes.

const MODALITIES = ['text', 'audio', 'image', 'video', 'pdf'] as const;

function flags(list: readonly string[] | undefined): ApiModel['capabilities']['input'] {
  const set = new Set(list ?? ['text']);
  return Object.fromEntries(MODALITIES.map((m) => [m, set.has(m)])) as ApiModel['capabilities']['input'];
}

function interleavedOf(
  value: DevModel['interleaved'] | ConfigModel['interleaved'],
): ApiModel['capabilities']['interleaved'] {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (typeof value === 'string') return { field: value };
  return { field: value.field };
}

export function toApiModel(
  providerId: string,
  provider: Pick<DevProvider, 'npm' | 'api'>,
  model: DevModel & { apiId?: string },
  fallbackUrl = '',
): ApiModel {
  const cost = model.cost;
  const over = cost?.context_over_200k;
  const out: ApiModel = {
    id: model.id,
    providerID: providerId,
    api: {
      id: model.apiId ?? model.id,
      url: model.provider?.api ?? provider.api ?? fallbackUrl,
      npm: model.provider?.npm ?? provider.npm,
    },
    name: model.name,
    ...(model.family ? { family: model.family } : {}),
    capabilities: {
      temperature: model.temperature,
      reasoning: model.reasoning,
      attachment: model.attachment,
      toolcall: model.tool_call,
      input: flags(model.modalities?.input),
      output: flags(model.modalities?.output),
      interleaved: interleavedOf(model.interleaved),
    },
    cost: {
      input: cost?.input ?? 0,
      output: cost?.output ?? 0,
      cache: { read: cost?.cache_read ?? 0, write: cost?.cache_write ?? 0 },
      ...(over
        ? {
            experimentalOver200K: {
              input: over.input,
              output: over.output,
              cache: { read: over.cache_read ?? 0, write: over.cache_write ?? 0 },
            },
          }
        : {}),
      ...(cost?.tiers?.length
        ? {
            tiers: cost.tiers.map((t) => ({
              tier: { type: 'context' as const, size: t.tier.size },
              input: t.input,
              output: t.output,
              cache: { read: t.cache_read ?? 0, write: t.cache_write ?? 0 },
            })),
          }
        : {}),
    },
    limit: {
      context: model.limit.context,
      ...(model.limit.input !== undefined ? { input: model.limit.input } : {}),
      output: model.limit.output,
    },
    status: model.status ?? 'active',
    options: model.options ?? {},
    headers: model.headers ?? {},
    release_date: model.release_date ?? '',
    ...(model.variants ? { variants: model.variants } : {}),
  };
  return out;
}

/** A config model entry over the catalogue's (or a fresh custom model); config `id` is the provider-side id. */
export function mergeConfigModel(
  key: string,
  base: DevModel | undefined,
  cfg: ConfigModel,
): DevModel & { apiId: string } {
  const cost = cfg.cost ? { ...(base?.cost ?? { input: 0, output: 0 }), ...cfg.cost } : base?.cost;
  const status = cfg.status === 'active' ? undefined : (cfg.status ?? base?.status);
  return {
    id: key,
    apiId: cfg.id ?? base?.id ?? key,
    name: cfg.name ?? base?.name ?? key,
    family: cfg.family ?? base?.family,
    attachment: cfg.attachment ?? base?.attachment ?? false,
    reasoning: cfg.reasoning ?? base?.reasoning ?? false,
    tool_call: cfg.tool_call ?? base?.tool_call ?? true,
    temperature: cfg.temperature ?? base?.temperature ?? true,
    interleaved:
      cfg.interleaved === undefined
        ? base?.interleaved
        : cfg.interleaved === false
          ? undefined
          : typeof cfg.interleaved === 'string'
            ? { field: cfg.interleaved }
            : (cfg.interleaved as DevModel['interleaved']),
    release_date: cfg.release_date ?? base?.release_date ?? '',
    modalities: {
      input: cfg.modalities?.input ?? base?.modalities?.input ?? ['text'],
      output: cfg.modalities?.output ?? base?.modalities?.output ?? ['text'],
    },
    cost: cost as DevModel['cost'],
    // OpenCode leaves unknown limits at 0, which turns the overflow check off for that model.
    limit: {
      context: cfg.limit?.context ?? base?.limit.context ?? 0,
      input: cfg.limit?.input ?? base?.limit.input,
      output: cfg.limit?.output ?? base?.limit.output ?? 0,
    },
    status: cfg.experimental ? 'alpha' : status,
    provider: cfg.provider ?? base?.provider,
    options: { ...(base?.options ?? {}), ...(cfg.options ?? {}) },
    headers: { ...(base?.headers ?? {}), ...(cfg.headers ?? {}) },
    variants: cfg.variants ?? base?.variants,
  };
}

/** Provider options safe to show over the API: keys and secrets stripped. */
export function publicOptions(options: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (/api[-_]?key|secret|token|password|credentials/i.test(key)) continue;
    if (key === 'headers' && value && typeof value === 'object') {
      out.headers = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).filter(([h]) => !/authorization|api[-_]?key|token/i.test(h)),
      );
      continue;
    }
    out[key] = value;
  }
  return out;
}

export function modelVisible(
  model: ApiModel,
  opts: { experimental: boolean; whitelist?: string[]; blacklist?: string[] },
): boolean {
  if (model.status === 'deprecated') return false;
  if (model.status === 'alpha' && !opts.experimental) return false;
  if (opts.whitelist?.length && !opts.whitelist.includes(model.id)) return false;
  if (opts.blacklist?.includes(model.id)) return false;
  return true;
}

export function emptyProvider(id: string, cfg: ConfigProvider): DevProvider {
  return {
    id,
    name: cfg.name ?? id,
    env: cfg.env ?? [],
    npm: cfg.npm ?? '@ai-sdk/openai-compatible',
    api: cfg.api,
    models: {},
  };
}

export type { ApiProvider };
