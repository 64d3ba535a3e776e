import type OpenAI from 'openai';
import { lazyModule } from '../../../core/lazy/lazy-module';
import { ProviderError } from '../provider.types';
import type { AdapterOptions } from './adapter.options';
import { errorCapturingFetch, findProviderError, fromHttpFailure, fromThrown } from './provider-error.mapper';

// The SDK is loaded when the first client is made, not at boot
const openAiSdk = lazyModule(() => (require('openai') as typeof import('openai')).default);

const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** The configured headers and the key as the SDK takes them (`null`: a header the SDK must not send). */
function keyedHeaders(options: AdapterOptions): { headers: Record<string, string | null>; apiKey: string } {
  const headers: Record<string, string | null> = { ...(options.headers ?? {}) };
  let apiKey = options.apiKey ?? '';
  if (options.authHeader && options.authHeader.toLowerCase() !== 'authorization') {
    // Azure-style keys travel in their own header; the SDK's Bearer header must then go.
    if (options.apiKey) headers[options.authHeader] = options.apiKey;
    headers['authorization'] = null;
    apiKey = 'unused';
  }
  // Local servers (Ollama, LM Studio, vLLM) need no key but the SDK refuses an empty one.
  return { headers, apiKey: apiKey || 'not-needed' };
}

/** One OpenAI SDK client configured from adapter options (also serves every OpenAI-compatible endpoint). */
export function createOpenAiClient(options: AdapterOptions): OpenAI {
  const { headers, apiKey } = keyedHeaders(options);
  const OpenAiClient = openAiSdk();
  return new OpenAiClient({
    apiKey,
    baseURL: options.baseURL ?? OPENAI_BASE_URL,
    defaultHeaders: headers,
    defaultQuery: options.query,
    timeout: options.timeout,
    maxRetries: 0,
    // Failures surface as ProviderError to the caller; the SDK's own console logging would only add noise.
    logLevel: 'off',
    fetch: errorCapturingFetch(options.providerId, options.fetch),
  });
}

/** The SDK's default request timeout (to the response's head, for a stream). */
export const OPENAI_TIMEOUT_MS = 600_000;

/**
 * A request the adapter sends itself, as the SDK would: `<baseURL>/<path>` with the configured query, the key as a
 * Bearer token (or its own header), the configured headers, then the call's. No compression: a streamed reply is
 * read as it comes.
 */
export function openAiRequest(
  options: AdapterOptions,
  path: string,
  callHeaders: Record<string, string> = {},
): { url: URL; headers: Record<string, string> } {
  const base = options.baseURL ?? OPENAI_BASE_URL;
  const url = new URL(base.endsWith('/') ? `${base}${path}` : `${base}/${path}`);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const { headers, apiKey } = keyedHeaders(options);
  const out: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
    'accept-encoding': 'identity',
    'user-agent': 'opencode-api',
    authorization: `Bearer ${apiKey}`,
  };
  for (const [key, value] of Object.entries({ ...headers, ...callHeaders })) {
    if (value === null) delete out[key.toLowerCase()];
    else out[key.toLowerCase()] = value;
  }
  return { url, headers: out };
}

export function fromOpenAiError(providerId: string, error: unknown, signal?: AbortSignal): ProviderError {
  const captured = findProviderError(error);
  if (captured) return captured;
  const sdk = openAiSdk();
  if (error instanceof sdk.APIUserAbortError || signal?.aborted) {
    return new ProviderError('aborted', 'The operation was aborted.', providerId, { cause: error, isRetryable: false });
  }
  if (error instanceof sdk.APIConnectionError) return fromThrown(providerId, error, signal);
  if (error instanceof sdk.APIError) {
    return fromHttpFailure({
      providerId,
      status: error.status ?? 0,
      message: error.message,
      headers: error.headers,
      body: error.error,
      cause: error,
    });
  }
  return fromThrown(providerId, error, signal);
}

/** An error payload inside a stream, as the SDK's own Stream reports it (its APIError, without a status). */
export function openAiStreamError(error: unknown, headers: Headers): Error {
  return new (openAiSdk().APIError)(undefined, error as object, undefined, headers);
}

/** camelCase provider options we know → the wire key; anything else passes through unchanged. */
export function mapOpenAiOptions(
  options: Record<string, unknown> | undefined,
  keys: Record<string, string>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options ?? {})) {
    if (value === undefined || key === 'interleaved') continue;
    out[keys[key] ?? key] = value;
  }
  return out;
}
