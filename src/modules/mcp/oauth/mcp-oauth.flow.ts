// Server-side OAuth for remote MCP servers. Everything the flow needs between `startAuth` and
// `finishAuth` (client registration, PKCE verifier, state) is in the store, so the callback may land on
// another replica than the one that started it.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpOAuthConfig } from '../mcp.types';
import { mcpAuthSdk } from '../mcp-sdk';
import { McpOAuthProvider, newOAuthState } from './mcp-oauth.provider';
import type { McpOAuthRef, McpOAuthStore } from './mcp-oauth.store';

export interface McpOAuthSettings {
  store: McpOAuthStore;
  /** Our callback URL registered with authorization servers (e.g. `https://api.example/mcp/oauth/callback`). */
  redirectUrl: string;
  clientName?: string;
  now?: () => number;
}

export function createOAuthProvider(
  settings: McpOAuthSettings,
  ref: McpOAuthRef,
  serverUrl: string,
  config: McpOAuthConfig | undefined,
): McpOAuthProvider {
  return new McpOAuthProvider({
    store: settings.store,
    ref,
    serverUrl,
    redirectUrl: settings.redirectUrl,
    config: config ?? {},
    clientName: settings.clientName ?? 'opencode-api',
    now: settings.now,
  });
}

/** True for errors meaning "give us a client id": the server has no dynamic client registration. */
export function isClientRegistrationError(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /client registration|registration_endpoint|does not support dynamic/i.test(message);
}

export async function beginAuthorization(
  provider: McpOAuthProvider,
  settings: McpOAuthSettings,
  ref: McpOAuthRef,
  serverUrl: string,
  fetchFn?: FetchLike,
): Promise<{ authorizationUrl: string; oauthState: string }> {
  const oauthState = newOAuthState();
  // A fresh flow: the new state and verifier replace any abandoned attempt.
  await settings.store.clear(ref, 'verifier');
  await settings.store.save(ref, { oauthState, serverUrl });
  const result = await mcpAuthSdk().auth(provider, { serverUrl, ...(fetchFn ? { fetchFn } : {}) });
  if (result === 'AUTHORIZED' || !provider.authorizationUrl) return { authorizationUrl: '', oauthState };
  return { authorizationUrl: provider.authorizationUrl.toString(), oauthState };
}

export async function completeAuthorization(
  provider: McpOAuthProvider,
  settings: McpOAuthSettings,
  ref: McpOAuthRef,
  serverUrl: string,
  code: string,
  fetchFn?: FetchLike,
): Promise<void> {
  await mcpAuthSdk().auth(provider, { serverUrl, authorizationCode: code, ...(fetchFn ? { fetchFn } : {}) });
  await settings.store.clear(ref, 'verifier');
  await settings.store.save(ref, { oauthState: undefined });
}
