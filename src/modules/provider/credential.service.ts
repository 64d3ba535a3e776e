import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError, NotFoundError } from '../../core/errors/domain-error';
import { newId } from '../../core/ids';
import { cipherFromConfig, type CredentialCipher } from '../../core/crypto/credential-cipher';
import { CredentialRepository } from './credential.repository';
import { TtlCache } from '../../core/cache/ttl-cache';

export type AuthInput =
  | { type: 'api'; key: string; metadata?: Record<string, string> }
  | { type: 'oauth'; refresh: string; access: string; expires: number; accountId?: string; enterpriseUrl?: string }
  | { type: 'wellknown'; key: string; token: string };

/**
 * OpenCode's `PUT/DELETE /auth/{providerID}`, per tenant: keys are encrypted with AES-256-GCM (ENCRYPTION_KEYS,
 * the highest version encrypts; older versions still decrypt), bound to tenant and provider, never returned.
 */
@Injectable()
export class CredentialService {
  private readonly cipher?: CredentialCipher;
  private readonly cache = new TtlCache<string, StoredKeys>(30_000, 1000);

  constructor(
    private readonly repo: CredentialRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.cipher = cipherFromConfig(config);
  }

  async set(auth: AuthContext, providerId: string, input: AuthInput): Promise<boolean> {
    if (!this.cipher)
      throw new BadRequestError(
        'Storing provider credentials needs ENCRYPTION_KEYS to be configured on the server',
        {},
        'encryption_not_configured',
      );
    const secret = JSON.stringify(input);
    const ciphertext = this.cipher.encrypt(secret, `${auth.tenantId}:${providerId}`);
    await this.repo.upsert({
      id: newId('credential'),
      tenantId: auth.tenantId,
      providerId,
      type: input.type,
      ciphertext,
      keyVersion: Number(this.cipher.currentVersion),
    });
    this.cache.delete(auth.tenantId);
    return true;
  }

  async remove(auth: AuthContext, providerId: string): Promise<boolean> {
    if (!(await this.repo.remove(auth.tenantId, providerId)))
      throw new NotFoundError(`No credential stored for provider ${providerId}`);
    this.cache.delete(auth.tenantId);
    return true;
  }

  /** Decrypted API keys of a tenant by provider id (for the adapters only). */
  async apiKeys(tenantId: string): Promise<Record<string, string>> {
    return (await this.stored(tenantId)).keys;
  }

  /** Keys and the metadata stored with `api` keys (a Bedrock key pair's accessKeyId, a region, a project). */
  stored(tenantId: string): Promise<StoredKeys> {
    return this.cache.get(tenantId, () => this.decryptKeys(tenantId));
  }

  private async decryptKeys(tenantId: string): Promise<StoredKeys> {
    const keys: Record<string, string> = {};
    const metadata: Record<string, Record<string, string>> = {};
    if (this.cipher) {
      for (const row of await this.repo.list(tenantId)) {
        try {
          const auth = JSON.parse(this.cipher.decrypt(row.ciphertext, `${tenantId}:${row.providerId}`)) as AuthInput;
          const key = auth.type === 'oauth' ? auth.access : auth.key;
          if (key) keys[row.providerId] = key;
          if (auth.type === 'api' && auth.metadata) metadata[row.providerId] = stringValues(auth.metadata);
        } catch {
          // A row encrypted with a key no longer in the ring is unusable; it is skipped, not fatal.
        }
      }
    }
    return { keys, metadata };
  }
}

export interface StoredKeys {
  keys: Record<string, string>;
  metadata: Record<string, Record<string, string>>;
}

function stringValues(record: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => typeof e[1] === 'string'));
}
