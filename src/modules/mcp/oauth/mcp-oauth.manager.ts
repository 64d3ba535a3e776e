// The OAuth routes' logic (start, callback, status, remove) for remote servers held by the pool. The pool
// owns one manager and delegates to it; the manager reaches back only through `McpOAuthHost`.
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { BadRequestError } from '../../../core/errors/domain-error';
import type { McpKey, McpOAuthConfig, McpRemoteConfig, McpServerConfig, McpStatus } from '../mcp.types';
import { McpOAuthStateError, McpUnsupportedOAuthError } from '../mcp.errors';
import { errorMessage } from '../mcp-error.util';
import type { McpAuthStatus, McpOAuthProvider } from './mcp-oauth.provider';
import type { McpOAuthRef } from './mcp-oauth.store';
import {
  beginAuthorization,
  completeAuthorization,
  createOAuthProvider,
  isClientRegistrationError,
  type McpOAuthSettings,
} from './mcp-oauth.flow';

export interface McpOAuthHost {
  /** The server's config; throws McpServerNotFoundError for unknown names. */
  config(key: McpKey, name: string): McpServerConfig;
  /** Reconnects with the current config (fresh tokens) and returns the new status. */
  reconnect(key: McpKey, name: string): Promise<McpStatus>;
  setStatus(key: McpKey, name: string, status: McpStatus): void;
}

export function oauthRef(key: McpKey, name: string): McpOAuthRef {
  return { tenantId: key.tenantId, serverName: name, ...(key.userId ? { userId: key.userId } : {}) };
}

function failed(name: string, error: unknown): BadRequestError {
  return new BadRequestError(
    `OAuth for MCP server ${name} failed: ${errorMessage(error)}`,
    { name },
    'mcp_oauth_failed',
  );
}

export class McpOAuthManager {
  constructor(
    private readonly settings: McpOAuthSettings | undefined,
    private readonly host: McpOAuthHost,
    private readonly fetchFn?: FetchLike,
  ) {}

  /** The provider a connection uses, or undefined when OAuth is off for this server. */
  providerFor(key: McpKey, name: string, config: McpServerConfig): McpOAuthProvider | undefined {
    if (config.type !== 'remote' || config.oauth === false || !this.settings) return undefined;
    return createOAuthProvider(this.settings, oauthRef(key, name), config.url, config.oauth);
  }

  async startAuth(key: McpKey, name: string): Promise<{ authorizationUrl: string; oauthState: string }> {
    const { config, settings, provider } = this.target(key, name);
    try {
      const started = await beginAuthorization(provider, settings, oauthRef(key, name), config.url, this.fetchFn);
      // Tokens we already hold are still good: connect with them instead of sending the user anywhere.
      if (!started.authorizationUrl) await this.host.reconnect(key, name);
      return started;
    } catch (error) {
      if (isClientRegistrationError(error))
        this.host.setStatus(key, name, { status: 'needs_client_registration', error: errorMessage(error) });
      throw failed(name, error);
    }
  }

  /** Exchanges the callback's code for tokens, then reconnects. `oauthState` is checked when given. */
  async finishAuth(key: McpKey, name: string, code: string, oauthState?: string): Promise<McpStatus> {
    const { config, settings, provider } = this.target(key, name);
    const ref = oauthRef(key, name);
    const record = await settings.store.load(ref);
    if (!record?.codeVerifier || (oauthState !== undefined && record.oauthState !== oauthState))
      throw new McpOAuthStateError(name);
    try {
      await completeAuthorization(provider, settings, ref, config.url, code, this.fetchFn);
    } catch (error) {
      throw failed(name, error);
    }
    return this.host.reconnect(key, name);
  }

  async authStatus(key: McpKey, name: string): Promise<McpAuthStatus> {
    return this.target(key, name).provider.status();
  }

  /** Forgets tokens and client registration, then reconnects so the status tells the truth. */
  async removeAuth(key: McpKey, name: string): Promise<McpStatus> {
    const { settings } = this.target(key, name);
    await settings.store.clear(oauthRef(key, name), 'all');
    return this.host.reconnect(key, name);
  }

  private target(
    key: McpKey,
    name: string,
  ): { config: McpRemoteConfig; settings: McpOAuthSettings; provider: McpOAuthProvider } {
    const config = this.host.config(key, name);
    const settings = this.settings;
    if (config.type !== 'remote' || config.oauth === false || !settings) throw new McpUnsupportedOAuthError(name);
    const oauthConfig: McpOAuthConfig | undefined = config.oauth;
    return { config, settings, provider: createOAuthProvider(settings, oauthRef(key, name), config.url, oauthConfig) };
  }
}
