// OAuth state for remote MCP servers in McpServer.oauth, sealed with the credential key ring. The column holds
// `{v: 1, owners: {<userId or "*">: <ciphertext of the whole McpOAuthRecord>}}`: tokens, client secret, PKCE
// verifier and state are never stored in clear. The AAD binds each ciphertext to tenant, server and owner, so a
// copied value does not decrypt anywhere else.
import { BadRequestError } from '../../core/errors/domain-error';
import { CredentialCryptoError, type CredentialCipher } from '../../core/crypto/credential-cipher';
import type { McpOAuthClearScope, McpOAuthRecord, McpOAuthRef, McpOAuthStore } from './oauth/mcp-oauth.store';
import type { McpRepository } from './mcp.repository';

/** Config of a row that exists only to hold OAuth state for a server defined elsewhere (config file). */
export const OAUTH_ONLY_CONFIG = { oauthOnly: true } as const;

interface OAuthColumn {
  v: 1;
  owners: Record<string, string>;
}

const SHARED_OWNER = '*';

export class McpEncryptionMissingError extends BadRequestError {
  constructor() {
    super(
      'MCP OAuth tokens are stored encrypted, and this server has no ENCRYPTION_KEYS configured; ask the platform operator',
      {},
      'mcp_oauth_no_encryption',
    );
  }
}

function parseColumn(raw: unknown): OAuthColumn {
  if (raw && typeof raw === 'object' && (raw as OAuthColumn).v === 1 && typeof (raw as OAuthColumn).owners === 'object')
    return raw as OAuthColumn;
  return { v: 1, owners: {} };
}

export class PrismaMcpOAuthStore implements McpOAuthStore {
  constructor(
    private readonly repo: McpRepository,
    private readonly cipher: CredentialCipher | undefined,
  ) {}

  async load(ref: McpOAuthRef): Promise<McpOAuthRecord | undefined> {
    if (!this.cipher) return undefined;
    const row = await this.repo.find(ref.tenantId, null, ref.serverName);
    const sealed = parseColumn(row?.oauth).owners[owner(ref)];
    if (!sealed) return undefined;
    try {
      return JSON.parse(this.cipher.decrypt(sealed, aad(ref))) as McpOAuthRecord;
    } catch (error) {
      // A retired key or a record copied from elsewhere: treat as "not authenticated" so a new flow overwrites it.
      if (error instanceof CredentialCryptoError) return undefined;
      throw error;
    }
  }

  async save(ref: McpOAuthRef, patch: Partial<McpOAuthRecord>): Promise<void> {
    const cipher = this.requireCipher();
    const record = { ...((await this.load(ref)) ?? {}), ...patch };
    await this.write(ref, cipher.encrypt(JSON.stringify(record), aad(ref)));
  }

  async clear(ref: McpOAuthRef, scope: McpOAuthClearScope): Promise<void> {
    if (!this.cipher) return;
    if (scope === 'all') return this.write(ref, undefined);
    const record = await this.load(ref);
    if (!record) return;
    if (scope === 'tokens') delete record.tokens;
    if (scope === 'client') delete record.clientInformation;
    if (scope === 'verifier') delete record.codeVerifier;
    await this.write(ref, this.cipher.encrypt(JSON.stringify(record), aad(ref)));
  }

  private requireCipher(): CredentialCipher {
    if (!this.cipher) throw new McpEncryptionMissingError();
    return this.cipher;
  }

  private async write(ref: McpOAuthRef, sealed: string | undefined): Promise<void> {
    const row = await this.repo.find(ref.tenantId, null, ref.serverName);
    const column = parseColumn(row?.oauth);
    if (sealed === undefined) delete column.owners[owner(ref)];
    else column.owners[owner(ref)] = sealed;
    const empty = Object.keys(column.owners).length === 0;
    await this.repo.putOAuth(ref.tenantId, null, ref.serverName, empty ? null : { ...column }, OAUTH_ONLY_CONFIG);
  }
}

function owner(ref: McpOAuthRef): string {
  return ref.userId ?? SHARED_OWNER;
}

function aad(ref: McpOAuthRef): string {
  return `mcp-oauth:${ref.tenantId}:${ref.serverName}:${owner(ref)}`;
}
