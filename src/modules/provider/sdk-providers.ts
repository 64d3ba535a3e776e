import { createAnthropicVertexModel, GOOGLE_TOKEN_URL, parseServiceAccount } from './adapters/anthropic-vertex.adapter';
import { BedrockLanguageModel, type BedrockAuth } from './adapters/bedrock.adapter';
import { parseSapServiceKey, SapOrchestrationLanguageModel } from './adapters/sap-orchestration.adapter';
import type { ModelDeps, ResolvedProvider } from './provider.factory';
import { ProviderMisconfiguredError } from './provider.errors';
import { ProviderError, type LanguageModel } from './provider.types';

// Providers whose credentials are more than one API key: Amazon Bedrock (an API key or an IAM key pair, and a
// region) and Claude on Vertex (a Google service-account key, a project and a location).

const text = (value: unknown): string | undefined => (typeof value === 'string' && value ? value : undefined);

function noCredentials(resolved: ResolvedProvider, what: string): ProviderError {
  return new ProviderError('auth', `No credentials for provider ${resolved.id}: ${what}`, resolved.id, {
    isRetryable: false,
    ownMessage: true,
  });
}

/**
 * Bedrock credentials, in order: a school's stored key pair (`metadata.accessKeyId` + the secret as `key`), an
 * API key (options.apiKey, a stored bare key, AWS_BEARER_TOKEN_BEDROCK), then an access key pair from options or
 * the platform env (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN).
 */
export function bedrockAuth(resolved: ResolvedProvider): BedrockAuth {
  const meta = resolved.credentialMeta ?? {};
  if (resolved.keySource === 'credential' && resolved.apiKey && text(meta.accessKeyId)) {
    return {
      type: 'sigv4',
      accessKeyId: meta.accessKeyId,
      secretAccessKey: resolved.apiKey,
      ...(text(meta.sessionToken) ? { sessionToken: meta.sessionToken } : {}),
    };
  }
  if (resolved.apiKey) return { type: 'bearer', token: resolved.apiKey };
  const x = resolved.extra;
  const accessKeyId = text(x.accessKeyId);
  const secretAccessKey = text(x.secretAccessKey);
  if (accessKeyId && secretAccessKey) {
    const sessionToken = text(x.sessionToken);
    return { type: 'sigv4', accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
  }
  throw noCredentials(
    resolved,
    'set AWS_BEARER_TOKEN_BEDROCK, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or store a key (PUT /auth/amazon-bedrock).',
  );
}

/** The endpoint config set explicitly (not the preset's template), with `{region}`-style placeholders filled. */
function explicitBaseUrl(resolved: ResolvedProvider, vars: Record<string, string>): string | undefined {
  if (!resolved.baseURL || resolved.baseURL === resolved.preset.baseURL) return undefined;
  return resolved.baseURL.replace(/\{(\w+)\}/g, (match, name: string) => vars[name] ?? match);
}

export function createBedrockModel(resolved: ResolvedProvider, modelId: string, deps: ModelDeps): LanguageModel {
  const auth = bedrockAuth(resolved);
  const fromCredential = resolved.keySource === 'credential' ? text(resolved.credentialMeta?.region) : undefined;
  const region = text(resolved.extra.region) ?? fromCredential;
  if (!region || !/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    throw new ProviderMisconfiguredError(
      resolved.id,
      `Provider ${resolved.id} needs a region (options.region, AWS_REGION, or metadata.region with the stored key)${region ? `; "${region}" is not one` : ''}`,
    );
  }
  return new BedrockLanguageModel(modelId, {
    providerId: resolved.id,
    region,
    auth,
    baseURL: explicitBaseUrl(resolved, { region }),
    headers: resolved.headers,
    timeout: resolved.timeout,
    fetch: deps.fetch,
  });
}

/**
 * Claude on Vertex. The key is options.credentials (platform config, whose `token_uri` is trusted) or a school's
 * stored key (JSON text as `key`; its token request always goes to Google's endpoint).
 */
export function createVertexAnthropicModel(
  resolved: ResolvedProvider,
  modelId: string,
  deps: ModelDeps,
): LanguageModel {
  const fromConfig = parseServiceAccount(resolved.extra.credentials);
  const stored = resolved.keySource === 'credential' ? parseServiceAccount(resolved.apiKey) : undefined;
  const key = fromConfig ?? stored;
  if (!key) {
    if (resolved.extra.credentials !== undefined || resolved.apiKey)
      throw new ProviderMisconfiguredError(
        resolved.id,
        `Provider ${resolved.id}: the credential is not a service-account JSON key (client_email and private_key)`,
      );
    throw noCredentials(
      resolved,
      'store a service-account JSON key (PUT /auth/google-vertex-anthropic) or set options.credentials in the platform config.',
    );
  }
  const meta = resolved.keySource === 'credential' ? (resolved.credentialMeta ?? {}) : {};
  const project = text(resolved.extra.project) ?? text(meta.project) ?? key.project_id;
  const location = text(resolved.extra.location) ?? text(meta.location) ?? 'global';
  if (!project)
    throw new ProviderMisconfiguredError(
      resolved.id,
      `Provider ${resolved.id} needs options.project or a key with project_id`,
    );
  if (!/^[a-z0-9-]{1,40}$/.test(location))
    throw new ProviderMisconfiguredError(
      resolved.id,
      `Provider ${resolved.id}: "${location}" is not a Vertex location`,
    );
  const trustedTokenUri = key === fromConfig ? key.token_uri : undefined;
  return createAnthropicVertexModel(modelId, {
    providerId: resolved.id,
    project,
    location,
    key,
    tokenUrl: trustedTokenUri ?? GOOGLE_TOKEN_URL,
    baseURL: explicitBaseUrl(resolved, { location, project }),
    headers: resolved.headers,
    timeout: resolved.timeout,
    fetch: deps.fetch,
  });
}

/**
 * SAP AI Core. The service key names its own token and API hosts, so unless it came from the platform env (the
 * platform chose them) every request goes through the egress guard.
 */
export function createSapModel(resolved: ResolvedProvider, modelId: string, deps: ModelDeps): LanguageModel {
  if (!resolved.apiKey)
    throw noCredentials(resolved, 'set AICORE_SERVICE_KEY or store the service key (PUT /auth/sap-ai-core).');
  const key = parseSapServiceKey(resolved.apiKey);
  if (!key)
    throw new ProviderMisconfiguredError(
      resolved.id,
      `Provider ${resolved.id}: the key is not an AI Core service key (clientid, clientsecret, url, serviceurls.AI_API_URL)`,
    );
  const meta = resolved.keySource === 'credential' ? (resolved.credentialMeta ?? {}) : {};
  const resourceGroup = text(resolved.extra.resourceGroup) ?? text(meta.resourceGroup) ?? 'default';
  const deploymentId = text(resolved.extra.deploymentId) ?? text(meta.deploymentId);
  const fetch = resolved.keySource === 'env' ? deps.fetch : (deps.guardedFetch ?? deps.fetch);
  return new SapOrchestrationLanguageModel(modelId, {
    providerId: resolved.id,
    key,
    resourceGroup,
    deploymentId,
    headers: resolved.headers,
    fetch,
  });
}
