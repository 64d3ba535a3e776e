import type Anthropic from '@anthropic-ai/sdk';
import { lazyModule } from '../../../core/lazy/lazy-module';
import { ProviderError } from '../provider.types';
import type { FetchLike } from './adapter.options';
import { AnthropicLanguageModel } from './anthropic.adapter';
import { errorCapturingFetch } from './provider-error.mapper';
import { jsonObject } from './stream-blocks';

// Claude on Vertex AI through @anthropic-ai/vertex-sdk: the Messages API at `:streamRawPredict`, authorised by a
// Google OAuth token the SDK gets from a service-account JSON key (JWT-bearer grant).

// The SDK is loaded when the first client is made, not at boot
const vertexSdk = lazyModule(() => require('@anthropic-ai/vertex-sdk') as typeof import('@anthropic-ai/vertex-sdk'));
const googleAuth = lazyModule(() => require('google-auth-library') as typeof import('google-auth-library'));

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  project_id?: string;
  token_uri?: string;
}

/** A service-account key from config (object) or a stored credential (JSON text); undefined when it is neither. */
export function parseServiceAccount(value: unknown): ServiceAccountKey | undefined {
  const key = jsonObject(value) as Partial<ServiceAccountKey> | undefined;
  if (!key || typeof key.client_email !== 'string' || typeof key.private_key !== 'string') return undefined;
  return {
    client_email: key.client_email,
    private_key: key.private_key,
    project_id: typeof key.project_id === 'string' ? key.project_id : undefined,
    token_uri: typeof key.token_uri === 'string' ? key.token_uri : undefined,
  };
}

export interface AnthropicVertexOptions {
  providerId: string;
  project: string;
  location: string;
  key: ServiceAccountKey;
  /**
   * Where the token request goes. Google's endpoint unless the key came from the platform's own config, whose
   * `token_uri` is then trusted (a school's stored key cannot point the signed grant at another host).
   */
  tokenUrl: string;
  baseURL?: string;
  headers?: Record<string, string>;
  timeout?: number;
  fetch?: FetchLike;
  defaultMaxTokens?: number;
}

/** The API base for a Vertex location (`global`, the `us`/`eu` multi-regions, or a region). */
export function vertexBaseUrl(location: string): string {
  if (location === 'global') return 'https://aiplatform.googleapis.com/v1';
  if (location === 'us' || location === 'eu') return `https://aiplatform.${location}.rep.googleapis.com/v1`;
  return `https://${location}-aiplatform.googleapis.com/v1`;
}

export function createAnthropicVertexModel(modelId: string, options: AnthropicVertexOptions): AnthropicLanguageModel {
  const base = options.fetch ?? fetch;
  const tokenFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url !== GOOGLE_TOKEN_URL) throw new Error(`Vertex auth: unexpected request to ${new URL(url).host}`);
    const response = await base(options.tokenUrl, init);
    if (response.ok) return response;
    // A refused grant (revoked or expired key, wrong clock) is a credential problem, not a flaky network.
    const body = await response.text().catch(() => '');
    const status = response.status;
    const kind = status === 429 ? 'rate_limit' : status >= 500 ? 'overloaded' : 'auth';
    throw new ProviderError(
      kind,
      `Google OAuth token request failed (${status}): ${body.slice(0, 300)}`,
      options.providerId,
      {
        statusCode: status,
        isRetryable: kind !== 'auth',
        responseBody: body,
      },
    );
  }) as typeof fetch;
  const authClient = new (googleAuth().JWT)({
    email: options.key.client_email,
    key: options.key.private_key,
    scopes: [SCOPE],
    // The token request goes through the same fetch as the model's (the egress guard where one applies).
    // Retries belong to the turn's retry loop (OpenCode's rules), not to the token client.
    transporterOptions: { fetchImplementation: tokenFetch, retryConfig: { retry: 0, noResponseRetries: 0 } },
  });
  const client = new (vertexSdk().AnthropicVertex)({
    region: options.location,
    projectId: options.project,
    baseURL: options.baseURL ?? vertexBaseUrl(options.location),
    authClient,
    defaultHeaders: options.headers,
    timeout: options.timeout,
    maxRetries: 0,
    logLevel: 'off',
    fetch: errorCapturingFetch(options.providerId, base),
  });
  return new AnthropicLanguageModel(
    modelId,
    {
      providerId: options.providerId,
      defaultMaxTokens: options.defaultMaxTokens,
      // Google's documented version for Claude on Vertex (the SDK would copy the first-party header's date).
      bodyDefaults: { anthropic_version: 'vertex-2023-10-16' },
    },
    client as unknown as Anthropic,
  );
}
