import { ProviderError, type LanguageModel } from './provider.types';
import type { FetchLike } from './adapters/adapter.options';
import { AnthropicLanguageModel } from './adapters/anthropic.adapter';
import { GoogleLanguageModel } from './adapters/google.adapter';
import { OpenAiChatLanguageModel } from './adapters/openai-chat.adapter';
import { OpenAiResponsesLanguageModel } from './adapters/openai-responses.adapter';
import { withStallTimeout } from './adapters/stall-timeout';
import { createBedrockModel, createSapModel, createVertexAnthropicModel } from './sdk-providers';
import { ProviderMisconfiguredError, ProviderNotSupportedError } from './provider.errors';
import { customPreset, getPreset, type AdapterKind, type ProviderPreset } from './provider.presets';

export interface ResolveProviderInput {
  id: string;
  /** Defaults to the built-in preset for `id`, else an OpenAI-compatible custom provider. */
  preset?: ProviderPreset;
  /** Config `provider.<id>.options` (baseURL, apiKey, headers, timeout, resourceName, accountId, ...). */
  options?: Record<string, unknown>;
  /** A stored credential (auth type `api`); wins over env, loses to an explicit options.apiKey. */
  apiKey?: string;
  /** Environment as parsed by the config module; never read from process.env here. */
  env?: Record<string, string | undefined>;
  /** The stored credential's `metadata` (a Bedrock key pair's accessKeyId, a region, a Vertex project ...). */
  credentialMeta?: Record<string, string>;
}

export interface ResolvedProvider {
  id: string;
  preset: ProviderPreset;
  adapter: AdapterKind;
  apiKey?: string;
  keySource?: 'options' | 'credential' | 'env';
  baseURL?: string;
  headers: Record<string, string>;
  timeout?: number;
  /** Max wait for the first streamed event / between events (OpenCode headerTimeout / chunkTimeout). */
  headerTimeout?: number;
  chunkTimeout?: number;
  query?: Record<string, string>;
  /** Anything else from options (vertex project/location/credentials, adapter extras). */
  extra: Record<string, unknown>;
  /** Metadata stored with the credential, when the key came from one (`keySource: 'credential'`). */
  credentialMeta?: Record<string, string>;
}

const KNOWN_OPTION_KEYS = new Set([
  'apiKey',
  'baseURL',
  'headers',
  'timeout',
  'headerTimeout',
  'chunkTimeout',
  'query',
]);
const DEFAULT_STALL_MS = 300_000;

/** OpenCode timeouts: a positive integer, or `false` to disable; absent means the default. */
function timeoutOption(value: unknown, fallback: number | undefined): number | undefined {
  if (value === false) return undefined;
  return typeof value === 'number' && value > 0 ? value : fallback;
}

function stringRecord(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .map(([k, v]) => [k, String(v)]),
  );
}

function fillTemplate(template: string, preset: ProviderPreset, options: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const fromOptions = options[name];
    if (typeof fromOptions === 'string' && fromOptions) return fromOptions;
    throw new ProviderMisconfiguredError(
      preset.id,
      `Provider ${preset.id} needs options.${name}${preset.vars[name]?.length ? ` or ${preset.vars[name].join('/')}` : ''} to build its URL`,
    );
  });
}

/** Merge preset, config options, stored credential and env into what an adapter needs. */
export function resolveProvider(input: ResolveProviderInput): ResolvedProvider {
  const preset = input.preset ?? getPreset(input.id) ?? customPreset(input.id);
  const options = input.options ?? {};
  const env = input.env ?? {};
  let apiKey: string | undefined;
  let keySource: ResolvedProvider['keySource'];
  if (typeof options.apiKey === 'string' && options.apiKey) [apiKey, keySource] = [options.apiKey, 'options'];
  else if (input.apiKey) [apiKey, keySource] = [input.apiKey, 'credential'];
  else {
    const variable = preset.env.find((name) => env[name]);
    if (variable) [apiKey, keySource] = [env[variable], 'env'];
  }
  const rawBase = typeof options.baseURL === 'string' && options.baseURL ? options.baseURL : preset.baseURL;
  const extra = Object.fromEntries(Object.entries(options).filter(([k]) => !KNOWN_OPTION_KEYS.has(k)));
  for (const [name, variables] of Object.entries(preset.vars)) {
    if (extra[name] === undefined) {
      const found = variables.find((v) => env[v]);
      if (found) extra[name] = env[found];
    }
  }
  return {
    id: input.id,
    preset,
    adapter: preset.adapter,
    apiKey,
    keySource,
    baseURL: rawBase,
    headers: { ...preset.headers, ...stringRecord(options.headers) },
    timeout: timeoutOption(options.timeout, undefined),
    headerTimeout: timeoutOption(options.headerTimeout, DEFAULT_STALL_MS),
    chunkTimeout: timeoutOption(options.chunkTimeout, DEFAULT_STALL_MS),
    query: options.query ? stringRecord(options.query) : undefined,
    extra,
    ...(keySource === 'credential' && input.credentialMeta ? { credentialMeta: input.credentialMeta } : {}),
  };
}

/**
 * Build the streaming model for `modelId` (the provider's own id, `api.id`). Throws
 * ProviderNotSupportedError / ProviderMisconfiguredError for setup problems and ProviderError('auth') when
 * a key is required but missing (OpenCode reports that as ProviderAuthError).
 */
export interface ModelDeps {
  /** The fetch for the provider's endpoint (the egress guard's when the endpoint was chosen below the platform). */
  fetch?: FetchLike;
  /** The egress guard's fetch, for destinations a credential names itself (SAP service keys). */
  guardedFetch?: FetchLike;
}

export function createLanguageModel(resolved: ResolvedProvider, modelId: string, deps: ModelDeps = {}): LanguageModel {
  return withStallTimeout(createBareModel(resolved, modelId, deps), {
    firstEventMs: resolved.headerTimeout,
    chunkMs: resolved.chunkTimeout,
  });
}

function createBareModel(resolved: ResolvedProvider, modelId: string, deps: ModelDeps): LanguageModel {
  const { preset } = resolved;
  if (!preset.supported) throw new ProviderNotSupportedError(resolved.id, preset.reason ?? 'no adapter');
  if (resolved.adapter === 'bedrock') return createBedrockModel(resolved, modelId, deps);
  if (resolved.adapter === 'anthropic-vertex') return createVertexAnthropicModel(resolved, modelId, deps);
  if (resolved.adapter === 'sap-orchestration') return createSapModel(resolved, modelId, deps);
  const isVertex = resolved.adapter === 'google-vertex';
  if (preset.keyRequired && !resolved.apiKey) {
    const where = preset.env.length ? ` Set ${preset.env.join(' or ')} or store an API key.` : '';
    throw new ProviderError('auth', `No API key for provider ${resolved.id}.${where}`, resolved.id, {
      isRetryable: false,
      ownMessage: true,
    });
  }
  // Vertex builds its own regional (or express-mode global) URL unless config overrides it.
  const baseURL = isVertex
    ? resolved.baseURL !== preset.baseURL
      ? resolved.baseURL
      : undefined
    : resolved.baseURL
      ? fillTemplate(resolved.baseURL, preset, resolved.extra)
      : undefined;
  if (!baseURL && !isVertex && resolved.adapter === 'openai-chat' && !preset.baseURL) {
    throw new ProviderMisconfiguredError(resolved.id, `Provider ${resolved.id} needs options.baseURL`);
  }
  const authHeader =
    preset.auth === 'bearer' || preset.auth === 'none' || preset.auth === 'x-goog-api-key' ? undefined : preset.auth;
  const common = {
    providerId: resolved.id,
    apiKey: preset.auth === 'none' && !resolved.apiKey ? undefined : resolved.apiKey,
    baseURL,
    headers: resolved.headers,
    timeout: resolved.timeout,
    query: resolved.query,
    authHeader,
    fetch: deps.fetch,
  };
  const extras = { ...preset.adapterOptions, ...resolved.extra };
  switch (resolved.adapter) {
    case 'openai-chat':
      return new OpenAiChatLanguageModel(modelId, {
        ...common,
        maxTokensField: extras.maxTokensField as 'max_tokens' | 'max_completion_tokens' | undefined,
        toolCallIds: extras.toolCallIds as 'any' | 'mistral' | undefined,
      });
    case 'openai-responses':
      return new OpenAiResponsesLanguageModel(modelId, {
        ...common,
        store: typeof extras.store === 'boolean' ? extras.store : undefined,
      });
    case 'anthropic':
      return new AnthropicLanguageModel(modelId, common);
    case 'google':
      return new GoogleLanguageModel(modelId, { ...common, apiVersion: extras.apiVersion as string | undefined });
    case 'google-vertex': {
      const project = extras.project as string | undefined;
      const location = (extras.location as string | undefined) ?? 'us-central1';
      if (!resolved.apiKey && (!project || !extras.credentials)) {
        throw new ProviderMisconfiguredError(
          resolved.id,
          'Vertex needs an API key (express mode) or options.project plus options.credentials (service-account JSON)',
        );
      }
      return new GoogleLanguageModel(modelId, {
        ...common,
        apiVersion: extras.apiVersion as string | undefined,
        vertex: { project, location, credentials: extras.credentials as Record<string, unknown> | undefined },
      });
    }
  }
}
