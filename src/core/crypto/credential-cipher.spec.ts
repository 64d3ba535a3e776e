import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CredentialCipher, CredentialCryptoError, generateCredentialKey } from './credential-cipher';

describe('CredentialCipher', () => {
  const k1 = generateCredentialKey();
  const k2 = randomBytes(32).toString('hex');

  it('round-trips any text and never repeats a ciphertext', () => {
    const cipher = new CredentialCipher({ current: '1', keys: { '1': k1 } });
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (secret) => {
        expect(cipher.decrypt(cipher.encrypt(secret))).toBe(secret);
      }),
      { numRuns: 100 },
    );
    const a = cipher.encrypt('sk-live-123');
    const b = cipher.encrypt('sk-live-123');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain('sk-live');
  });

  it('binds ciphertext to its owner through associated data', () => {
    const cipher = new CredentialCipher({ current: '1', keys: { '1': k1 } });
    const token = cipher.encrypt('key', 'ten_a:openai');
    expect(cipher.decrypt(token, 'ten_a:openai')).toBe('key');
    expect(() => cipher.decrypt(token, 'ten_b:openai')).toThrow(CredentialCryptoError);
  });

  it('detects tampering and unknown versions', () => {
    const cipher = new CredentialCipher({ current: '1', keys: { '1': k1 } });
    const [v, iv, tag, body] = cipher.encrypt('secret').split('.');
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] ^= 1;
    expect(() => cipher.decrypt([v, iv, tag, flipped.toString('base64url')].join('.'))).toThrow(
      /could not be decrypted/,
    );
    expect(() => cipher.decrypt(['v9', iv, tag, body].join('.'))).toThrow(/Unknown key version 9/);
    expect(() => cipher.decrypt('garbage')).toThrow(/Malformed/);
  });

  it('rotates: old tokens still decrypt, new ones use the current key, rotate() re-seals', () => {
    const old = new CredentialCipher({ current: '1', keys: { '1': k1 } });
    const token = old.encrypt('sk-old', 'aad');
    const ring = new CredentialCipher({ current: '2', keys: { '1': k1, '2': k2 } });
    expect(ring.decrypt(token, 'aad')).toBe('sk-old');
    expect(ring.needsRotation(token)).toBe(true);
    const rotated = ring.rotate(token, 'aad');
    expect(ring.versionOf(rotated)).toBe('2');
    expect(ring.needsRotation(rotated)).toBe(false);
    expect(ring.rotate(rotated, 'aad')).toBe(rotated);
    expect(ring.decrypt(rotated, 'aad')).toBe('sk-old');
    expect(() => old.decrypt(rotated, 'aad')).toThrow(/Unknown key version 2/);
  });

  it('rejects bad key rings', () => {
    expect(() => new CredentialCipher({ current: '1', keys: { '1': 'c2hvcnQ' } })).toThrow(/32 bytes/);
    expect(() => new CredentialCipher({ current: '2', keys: { '1': k1 } })).toThrow(/not in the key ring/);
    expect(() => new CredentialCipher({ current: '1', keys: { '1': randomBytes(32) } })).not.toThrow();
  });
});
