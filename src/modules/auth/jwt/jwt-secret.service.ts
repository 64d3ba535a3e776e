import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { cipherFromConfig, type CredentialCipher } from '../../../core/crypto/credential-cipher';
import { BadRequestError } from '../../../core/errors/domain-error';
import { LOGGER } from '../../../core/logging/logger';
import { JwtRepository, type SealedSecret } from './jwt.repository';

/**
 * A tenant's HS256 secret at rest: sealed like provider keys (AES-256-GCM under ENCRYPTION_KEYS, bound to the
 * tenant), never stored or used in clear. Rows written in clear by earlier versions are sealed at boot; without a
 * key ring they are not used (tokens are refused, the boot log says why and how to fix it).
 */
@Injectable()
export class JwtSecretService implements OnApplicationBootstrap {
  private readonly cipher?: CredentialCipher;

  constructor(
    private readonly repo: JwtRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) app: AppConfig,
  ) {
    this.cipher = cipherFromConfig(app);
  }

  async onApplicationBootstrap(): Promise<void> {
    const legacy = await this.repo.clearSecrets();
    if (!legacy.length) return;
    if (!this.cipher) {
      this.logger.warn(
        { tenants: legacy.map((r) => r.tenantId) },
        'JWT secrets stored in clear are not used: set ENCRYPTION_KEYS and restart to seal them, or store them again',
      );
      return;
    }
    let sealed = 0;
    for (const row of legacy)
      if (await this.repo.replaceClearSecret(row.tenantId, row.value, this.seal(row.tenantId, row.value))) sealed++;
    this.logger.info({ sealed }, 'JWT secrets sealed at rest');
  }

  /** The value to store for a new secret; 400 when the server has no key ring to seal it with. */
  seal(tenantId: string, secret: string): SealedSecret {
    if (!this.cipher)
      throw new BadRequestError(
        'Storing a JWT secret needs ENCRYPTION_KEYS to be configured on the server (or use jwksUrl)',
        {},
        'encryption_not_configured',
      );
    return { sealed: this.cipher.encrypt(secret, aad(tenantId)) };
  }

  /** The tenant's secret, or null when none is stored or it cannot be opened (clear, wrong key, tampered). */
  async get(tenantId: string): Promise<string | null> {
    const value = await this.repo.secret(tenantId);
    if (!value || typeof value !== 'object' || typeof value.sealed !== 'string' || !this.cipher) return null;
    try {
      return this.cipher.decrypt(value.sealed, aad(tenantId));
    } catch {
      this.logger.warn({ tenantId }, 'JWT secret could not be opened (key ring changed or row tampered)');
      return null;
    }
  }

  async stored(tenantId: string): Promise<boolean> {
    return (await this.repo.secret(tenantId)) !== null;
  }
}

const aad = (tenantId: string) => `${tenantId}:jwt.secret`;
