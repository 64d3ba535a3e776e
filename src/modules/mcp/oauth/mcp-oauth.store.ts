// Where OAuth state for remote MCP servers lives. The integrator implements this over Postgres with the
// secrets encrypted; the in-memory store serves tests and single-process development.
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** Tokens are per tenant and server, optionally per user (servers that act as the student or teacher). */
export interface McpOAuthRef {
  tenantId: string;
  serverName: string;
  userId?: string;
}

export interface McpStoredTokens extends OAuthTokens {
  /** Epoch ms, derived from `expires_in` when the tokens were saved. */
  expiresAt?: number;
}

export interface McpOAuthRecord {
  /** The server URL the record was obtained for; a changed URL must not reuse tokens or clients. */
  serverUrl?: string;
  tokens?: McpStoredTokens;
  clientInformation?: OAuthClientInformationMixed;
  codeVerifier?: string;
  oauthState?: string;
}

export type McpOAuthClearScope = 'all' | 'tokens' | 'client' | 'verifier';

export interface McpOAuthStore {
  load(ref: McpOAuthRef): Promise<McpOAuthRecord | undefined>;
  /** Merges `patch` into the stored record (creating it). */
  save(ref: McpOAuthRef, patch: Partial<McpOAuthRecord>): Promise<void>;
  clear(ref: McpOAuthRef, scope: McpOAuthClearScope): Promise<void>;
}

function refKey(ref: McpOAuthRef): string {
  return JSON.stringify([ref.tenantId, ref.serverName, ref.userId ?? null]);
}

export class InMemoryMcpOAuthStore implements McpOAuthStore {
  private readonly records = new Map<string, McpOAuthRecord>();

  async load(ref: McpOAuthRef): Promise<McpOAuthRecord | undefined> {
    const record = this.records.get(refKey(ref));
    return record ? structuredClone(record) : undefined;
  }

  async save(ref: McpOAuthRef, patch: Partial<McpOAuthRecord>): Promise<void> {
    const key = refKey(ref);
    this.records.set(key, { ...(this.records.get(key) ?? {}), ...structuredClone(patch) });
  }

  async clear(ref: McpOAuthRef, scope: McpOAuthClearScope): Promise<void> {
    const key = refKey(ref);
    const record = this.records.get(key);
    if (!record) return;
    if (scope === 'all') {
      this.records.delete(key);
      return;
    }
    if (scope === 'tokens') delete record.tokens;
    if (scope === 'client') delete record.clientInformation;
    if (scope === 'verifier') delete record.codeVerifier;
  }
}
