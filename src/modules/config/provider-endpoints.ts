// Who decides where a provider's traffic goes, and whose keys may follow it there. The platform layer owns
// endpoints; a school (tenant layer) or a teacher (project layer) may move a provider elsewhere, but then only
// keys from that same layer or below travel with it: the platform's environment keys and the school's stored
// key never reach an endpoint the layer owning them did not choose.
import { mergeConfig } from './config.merge';
import type { Config } from './config.schema';

export type ConfigLayerName = 'platform' | 'tenant' | 'project';

const RANK: Record<ConfigLayerName, number> = { platform: 0, tenant: 1, project: 2 };

/** Options that shape requests without changing where they go or which secret they carry. */
const REQUEST_OPTIONS = new Set([
  'apiKey',
  'timeout',
  'headerTimeout',
  'chunkTimeout',
  'store',
  'setCacheKey',
  'maxTokensField',
  'toolCallIds',
]);

const ENDPOINTS = Symbol('provider endpoint owners');

type ProviderEntry = NonNullable<Config['provider']>[string];
type Json = Record<string, unknown>;

/**
 * The parts of a provider entry that decide its destination or its credential source: `api`, `npm`, `env`,
 * every option but the request-shaping ones (baseURL, headers, query, resourceName, credentials, ...), and
 * each model's `provider` override and headers.
 */
function endpointView(entry: ProviderEntry = {}): string {
  const options = Object.fromEntries(
    Object.entries((entry.options ?? {}) as Json).filter(([key]) => !REQUEST_OPTIONS.has(key)),
  );
  const models = Object.fromEntries(
    Object.entries((entry.models ?? {}) as Record<string, Json>)
      .map(([id, model]) => [id, { provider: model?.provider, headers: model?.headers }])
      .filter(([, view]) => (view as Json).provider !== undefined || (view as Json).headers !== undefined),
  );
  return JSON.stringify({ api: entry.api, npm: entry.npm, env: entry.env, options, models });
}

function keyOf(entry: ProviderEntry | undefined): unknown {
  return (entry?.options as Json | undefined)?.apiKey;
}

/** A list that only narrows: later layers can drop providers from the platform's list, never add one. */
function narrowed(lists: (string[] | undefined)[]): string[] | undefined {
  let out: string[] | undefined;
  for (const list of lists) if (list) out = out ? out.filter((id) => list.includes(id)) : [...list];
  return out;
}

/**
 * platform → tenant → project, merged as OpenCode does, then: `enabled_providers` is the intersection of the
 * layers' lists and `disabled_providers` their union; each provider records which layer last moved its
 * endpoint; an `options.apiKey` from a layer above that one is removed (a teacher's endpoint gets no school key).
 */
export function mergeLayersWithProviderPolicy(platform: Config, tenant?: Config, project?: Config): Config {
  const layers: [ConfigLayerName, Config | undefined][] = [
    ['platform', platform],
    ['tenant', tenant],
    ['project', project],
  ];
  const owners: Record<string, ConfigLayerName> = {};
  const keyOwners: Record<string, ConfigLayerName> = {};
  let merged: Config = {};
  for (const [name, layer] of layers) {
    if (!layer) continue;
    const next = mergeConfig(merged, layer);
    for (const id of Object.keys(layer.provider ?? {})) {
      const before = merged.provider?.[id];
      const after = next.provider?.[id];
      if (name === 'platform' || endpointView(before) !== endpointView(after)) owners[id] = name;
      if (keyOf(before) !== keyOf(after)) keyOwners[id] = name;
    }
    merged = next;
  }
  const enabled = narrowed(layers.map(([, layer]) => layer?.enabled_providers));
  const disabled = [...new Set(layers.flatMap(([, layer]) => layer?.disabled_providers ?? []))];
  const out: Config = {
    ...merged,
    ...(enabled ? { enabled_providers: enabled } : {}),
    ...(disabled.length ? { disabled_providers: disabled } : {}),
  };
  if (out.provider) {
    out.provider = { ...out.provider };
    for (const [id, owner] of Object.entries(keyOwners)) {
      const endpoint = owners[id] ?? 'platform';
      if (RANK[owner] >= RANK[endpoint]) continue;
      const { apiKey: _dropped, ...options } = (out.provider[id].options ?? {}) as Json;
      out.provider[id] = { ...out.provider[id], options };
    }
  }
  Object.defineProperty(out, ENDPOINTS, { value: owners, enumerable: true });
  return out;
}

/**
 * The layer that chose where `providerId`'s requests go. Configs that did not come through
 * mergeLayersWithProviderPolicy (the platform's own, tests building one by hand) are the platform's.
 */
export function providerEndpointOwner(config: Config, providerId: string): ConfigLayerName {
  const owners = (config as { [ENDPOINTS]?: Record<string, ConfigLayerName> })[ENDPOINTS];
  return owners?.[providerId] ?? 'platform';
}
