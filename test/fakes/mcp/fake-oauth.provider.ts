// An in-memory OAuth authorization server for tests, plugged into the SDK's `mcpAuthRouter`. It approves
// every authorization at once: GET /authorize redirects straight back with a code, so a test can follow
// the authorization URL with `redirect: 'manual'` and read the code off the Location header.
import { randomUUID } from 'node:crypto';
import type { Response } from 'express';
import type { AuthorizationParams, OAuthServerProvider } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { OAuthRegisteredClientsStore } from '@modelcontextprotocol/sdk/server/auth/clients.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthClientInformationFull, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

export interface FakeOAuthOptions {
  /** Refuse dynamic client registration (the server then needs a configured clientId). */
  disableRegistration?: boolean;
  /** Lifetime of issued access tokens, in seconds. */
  tokenTtlSeconds?: number;
  /** Clients known in advance (`clientId` in the MCP config). */
  preregistered?: OAuthClientInformationFull[];
}

interface PendingCode {
  clientId: string;
  challenge: string;
  redirectUri: string;
}

export class FakeOAuthProvider implements OAuthServerProvider {
  readonly clients = new Map<string, OAuthClientInformationFull>();
  readonly codes = new Map<string, PendingCode>();
  readonly accessTokens = new Map<string, { clientId: string; expiresAt: number }>();
  readonly refreshTokens = new Map<string, string>();
  registrations = 0;
  exchanges = 0;
  refreshes = 0;

  constructor(private readonly options: FakeOAuthOptions = {}) {
    for (const client of options.preregistered ?? []) this.clients.set(client.client_id, client);
  }

  get clientsStore(): OAuthRegisteredClientsStore {
    const getClient = (clientId: string) => this.clients.get(clientId);
    if (this.options.disableRegistration) return { getClient };
    return {
      getClient,
      registerClient: (client) => {
        this.registrations++;
        const full: OAuthClientInformationFull = {
          ...client,
          client_id: randomUUID(),
          client_id_issued_at: Math.floor(Date.now() / 1000),
        };
        this.clients.set(full.client_id, full);
        return full;
      },
    };
  }

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: Response): Promise<void> {
    const code = randomUUID();
    this.codes.set(code, {
      clientId: client.client_id,
      challenge: params.codeChallenge,
      redirectUri: params.redirectUri,
    });
    const target = new URL(params.redirectUri);
    target.searchParams.set('code', code);
    if (params.state) target.searchParams.set('state', params.state);
    res.redirect(302, target.toString());
  }

  async challengeForAuthorizationCode(_client: OAuthClientInformationFull, code: string): Promise<string> {
    const pending = this.codes.get(code);
    if (!pending) throw new Error('unknown authorization code');
    return pending.challenge;
  }

  async exchangeAuthorizationCode(client: OAuthClientInformationFull, code: string): Promise<OAuthTokens> {
    const pending = this.codes.get(code);
    if (!pending || pending.clientId !== client.client_id) throw new Error('invalid authorization code');
    this.codes.delete(code);
    this.exchanges++;
    return this.issue(client.client_id);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, refreshToken: string): Promise<OAuthTokens> {
    if (this.refreshTokens.get(refreshToken) !== client.client_id) throw new Error('invalid refresh token');
    this.refreshTokens.delete(refreshToken);
    this.refreshes++;
    return this.issue(client.client_id);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const found = this.accessTokens.get(token);
    // InvalidTokenError makes the bearer middleware answer 401 (any other error is a 500).
    if (!found || found.expiresAt <= Date.now()) throw new InvalidTokenError('invalid or expired token');
    return { token, clientId: found.clientId, scopes: [], expiresAt: Math.floor(found.expiresAt / 1000) };
  }

  /** Makes every issued access token invalid, as a server-side revocation would. */
  revokeAll(): void {
    this.accessTokens.clear();
  }

  private issue(clientId: string): OAuthTokens {
    const ttl = this.options.tokenTtlSeconds ?? 3600;
    const accessToken = randomUUID();
    const refreshToken = randomUUID();
    this.accessTokens.set(accessToken, { clientId, expiresAt: Date.now() + ttl * 1000 });
    this.refreshTokens.set(refreshToken, clientId);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: ttl, refresh_token: refreshToken };
  }
}
