// The SDK's OAuthClientProvider, backed by McpOAuthStore. There is no browser on a server: instead of
// redirecting, the provider records the authorization URL so `startAuth` can hand it to the client.
import { randomBytes } from 'node:crypto';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { McpOAuthConfig } from '../mcp.types';
import type { McpOAuthRecord, McpOAuthRef, McpOAuthStore } from './mcp-oauth.store';

export interface McpOAuthProviderOptions {
  store: McpOAuthStore;
  ref: McpOAuthRef;
  serverUrl: string;
  /** Where the authorization server sends the user back; `config.redirectUri` wins. */
  redirectUrl: string;
  config: McpOAuthConfig;
  clientName: string;
  now?: () => number;
}

export type McpAuthStatus = 'authenticated' | 'expired' | 'not_authenticated';

export function newOAuthState(): string {
  return randomBytes(32).toString('hex');
}

export class McpOAuthProvider implements OAuthClientProvider {
  /** Set when the SDK decided the user must authorize; read by the auth flow. */
  authorizationUrl?: URL;

  constructor(private readonly options: McpOAuthProviderOptions) {}

  get redirectUrl(): string {
    return this.options.config.redirectUri ?? this.options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const { config } = this.options;
    return {
      redirect_uris: [this.redirectUrl],
      client_name: this.options.clientName,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: config.clientSecret ? 'client_secret_post' : 'none',
      ...(config.scope ? { scope: config.scope } : {}),
    };
  }

  async state(): Promise<string> {
    const record = await this.record();
    if (record?.oauthState) return record.oauthState;
    const state = newOAuthState();
    await this.save({ oauthState: state });
    return state;
  }

  async clientInformation(): Promise<OAuthClientInformationMixed | undefined> {
    const { config } = this.options;
    if (config.clientId) {
      return { client_id: config.clientId, ...(config.clientSecret ? { client_secret: config.clientSecret } : {}) };
    }
    const record = await this.record();
    const info = record?.clientInformation as
      (OAuthClientInformationMixed & { client_secret_expires_at?: number }) | undefined;
    // A dynamically registered client whose secret expired has to register again.
    if (info?.client_secret_expires_at && info.client_secret_expires_at * 1000 < this.now()) return undefined;
    return info;
  }

  async saveClientInformation(clientInformation: OAuthClientInformationMixed): Promise<void> {
    await this.save({ clientInformation });
  }

  async tokens(): Promise<OAuthTokens | undefined> {
    const tokens = (await this.record())?.tokens;
    if (!tokens) return undefined;
    const { expiresAt, ...rest } = tokens;
    // Report the remaining lifetime so the SDK refreshes proactively rather than after a 401.
    if (expiresAt !== undefined)
      return { ...rest, expires_in: Math.max(0, Math.floor((expiresAt - this.now()) / 1000)) };
    return rest;
  }

  async saveTokens(tokens: OAuthTokens): Promise<void> {
    const expiresAt = tokens.expires_in !== undefined ? this.now() + tokens.expires_in * 1000 : undefined;
    await this.save({ tokens: { ...tokens, ...(expiresAt !== undefined ? { expiresAt } : {}) } });
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    this.authorizationUrl = authorizationUrl;
  }

  async saveCodeVerifier(codeVerifier: string): Promise<void> {
    await this.save({ codeVerifier });
  }

  async codeVerifier(): Promise<string> {
    const verifier = (await this.record())?.codeVerifier;
    if (!verifier) throw new Error('No pending OAuth authorization (code verifier missing)');
    return verifier;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    if (scope === 'discovery') return;
    await this.options.store.clear(this.options.ref, scope);
  }

  async status(): Promise<McpAuthStatus> {
    const tokens = (await this.record())?.tokens;
    if (!tokens?.access_token) return 'not_authenticated';
    if (tokens.expiresAt !== undefined && tokens.expiresAt <= this.now()) return 'expired';
    return 'authenticated';
  }

  /** The stored record, ignored when it was obtained for another URL. */
  private async record(): Promise<McpOAuthRecord | undefined> {
    const record = await this.options.store.load(this.options.ref);
    if (!record) return undefined;
    if (record.serverUrl && record.serverUrl !== this.options.serverUrl) return undefined;
    return record;
  }

  private async save(patch: Partial<McpOAuthRecord>): Promise<void> {
    const existing = await this.options.store.load(this.options.ref);
    if (existing?.serverUrl && existing.serverUrl !== this.options.serverUrl) {
      // The server moved: whatever we held belongs to the old URL.
      await this.options.store.clear(this.options.ref, 'all');
    }
    await this.options.store.save(this.options.ref, { ...patch, serverUrl: this.options.serverUrl });
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
