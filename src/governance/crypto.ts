// Key material: virtual keys (shown once, stored as SHA-256), and provider secrets sealed with
// AES-256-GCM under a key derived from GATEHOUSE_ENCRYPTION_KEY or the master key.
import { createCipheriv, createDecipheriv, hash, hkdfSync, randomBytes } from 'node:crypto';

/** Prefix of every virtual key, so secret scanners can recognise a leaked one. */
export const keyPrefix = 'gh-';

export function generateKey(): string {
  return `${keyPrefix}${randomBytes(24).toString('base64url')}`;
}

/** Opaque ids: `key_…`, `team_…`, `user_…`. */
export const newId = (kind: string) => `${kind}_${randomBytes(9).toString('base64url')}`;

/** SHA-256 in hex, one-shot: on every request, and a Buffer result would cost three times the hash. */
export function hashKey(key: string): string {
  return hash('sha256', key);
}

/**
 * Compares two hex digests in time independent of where they differ: every character is looked
 * at, and nothing is allocated.
 */
export function sameDigest(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class SecretBox {
  readonly #key: Buffer;

  /** `root` is GATEHOUSE_ENCRYPTION_KEY when set, else the master key. */
  constructor(root: string) {
    this.#key = Buffer.from(hkdfSync('sha256', root, 'gatehouse', 'provider-secrets-v1', 32));
  }

  seal(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Throws when the sealed value was altered or sealed under another key. */
  open(sealed: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }
}
