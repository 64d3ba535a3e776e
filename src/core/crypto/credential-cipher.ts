import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';

// Secrets at rest (provider API keys, MCP OAuth tokens, JWT HS256 secrets): AES-256-GCM with a versioned key ring so keys can rotate without a big-bang
// re-encryption. Wire format: `v<version>.<iv b64url>.<tag b64url>.<ciphertext b64url>`.

const IV_BYTES = 12;
const TAG_BYTES = 16;

export const keyRingSchema = z.object({
  current: z.string().regex(/^[A-Za-z0-9_-]+$/),
  /** version → 32-byte key as base64 / base64url / hex, or a Buffer. */
  keys: z.record(z.string(), z.union([z.string(), z.instanceof(Buffer)])),
});
export type KeyRingInput = z.infer<typeof keyRingSchema>;

export class CredentialCryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialCryptoError';
  }
}

function decodeKey(version: string, raw: string | Buffer): Buffer {
  const key = Buffer.isBuffer(raw)
    ? raw
    : /^[0-9a-f]{64}$/i.test(raw)
      ? Buffer.from(raw, 'hex')
      : Buffer.from(raw, 'base64url');
  if (key.length !== 32) throw new CredentialCryptoError(`Key ${version} must be 32 bytes, got ${key.length}`);
  return key;
}

export class CredentialCipher {
  private readonly keys = new Map<string, Buffer>();
  readonly currentVersion: string;

  constructor(ring: KeyRingInput) {
    const parsed = keyRingSchema.parse(ring);
    for (const [version, raw] of Object.entries(parsed.keys)) {
      if (!/^[A-Za-z0-9_-]+$/.test(version)) throw new CredentialCryptoError(`Bad key version ${version}`);
      this.keys.set(version, decodeKey(version, raw));
    }
    if (!this.keys.has(parsed.current))
      throw new CredentialCryptoError(`Current key version ${parsed.current} is not in the key ring`);
    this.currentVersion = parsed.current;
  }

  /** `aad` binds the ciphertext to its owner (e.g. `tenantId:providerId`) so rows cannot be swapped. */
  encrypt(plaintext: string, aad?: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentVersion)!, iv, { authTagLength: TAG_BYTES });
    if (aad) cipher.setAAD(Buffer.from(aad, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [
      'v' + this.currentVersion,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      body.toString('base64url'),
    ].join('.');
  }

  decrypt(token: string, aad?: string): string {
    const parts = token.split('.');
    if (parts.length !== 4 || !parts[0].startsWith('v'))
      throw new CredentialCryptoError('Malformed credential ciphertext');
    const version = parts[0].slice(1);
    const key = this.keys.get(version);
    if (!key) throw new CredentialCryptoError(`Unknown key version ${version}`);
    const iv = Buffer.from(parts[1], 'base64url');
    const tag = Buffer.from(parts[2], 'base64url');
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
      throw new CredentialCryptoError('Malformed credential ciphertext');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      if (aad) decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(parts[3], 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new CredentialCryptoError('Credential could not be decrypted (wrong key, owner or tampered data)');
    }
  }

  versionOf(token: string): string | undefined {
    const head = token.split('.', 1)[0];
    return head?.startsWith('v') ? head.slice(1) : undefined;
  }

  /** True when the token was sealed with an older key and should be re-encrypted. */
  needsRotation(token: string): boolean {
    return this.versionOf(token) !== this.currentVersion;
  }

  /** Re-seal under the current key (no-op result when already current). */
  rotate(token: string, aad?: string): string {
    return this.needsRotation(token) ? this.encrypt(this.decrypt(token, aad), aad) : token;
  }
}

/** A fresh random key, base64url, for config/bootstrap. */
export function generateCredentialKey(): string {
  return randomBytes(32).toString('base64url');
}

/** The cipher for AppConfig's key ring (highest version encrypts), or undefined when no key is configured. */
export function cipherFromConfig(config: {
  encryptionKeys: ReadonlyMap<number, Buffer>;
}): CredentialCipher | undefined {
  if (config.encryptionKeys.size === 0) return undefined;
  const versions = [...config.encryptionKeys.keys()].sort((a, b) => b - a);
  const keys = Object.fromEntries([...config.encryptionKeys].map(([version, key]) => [String(version), key]));
  return new CredentialCipher({ current: String(versions[0]), keys });
}
