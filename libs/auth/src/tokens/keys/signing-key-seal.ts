import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { DEFAULT_JWT_SECRET, SecurityConfig } from '@app/config';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const INFO = 'gatehouse signing key v1';

/**
 * Encrypts the private halves of the signing keys kept in PostgreSQL (AES-256-GCM, the key id as
 * associated data), with a key derived from `PLATFORM_JWT_SECRET`: the secret stays the root of
 * trust, and a copy of the database alone signs nothing. A key sealed under a secret that has
 * since moved to `PLATFORM_JWT_PREVIOUS_SECRETS` still opens.
 */
@Injectable()
export class SigningKeySeal {
  /** The current secret's key first, then the previous secrets'. */
  private readonly keys: Buffer[];
  /** The key the public built-in secret derives: whatever it sealed, anyone can open. */
  private readonly publicKey = sealingKey(Buffer.from(DEFAULT_JWT_SECRET, 'utf8'));

  constructor(security: SecurityConfig) {
    this.keys = [security.signingKey, ...security.previousSecrets.map((previous) => previous.key)].map((secret) =>
      sealingKey(secret.export()),
    );
  }

  /**
   * Whether the key was sealed under the public built-in secret (made in dev, on a database
   * production now uses): its private half is anyone's, so outside dev it is trusted for nothing.
   */
  sealedUnderPublicSecret(sealed: Buffer, kid: string): boolean {
    return openWith(this.publicKey, sealed, kid) !== null;
  }

  seal(privateKey: KeyObject, kid: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0], iv).setAAD(Buffer.from(kid));
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const sealed = Buffer.concat([cipher.update(der), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
  }

  /** The private key, or null when no configured secret opens it (sealed under a secret Gatehouse no longer has). */
  open(sealed: Buffer, kid: string): KeyObject | null {
    for (const key of this.keys) {
      const opened = openWith(key, sealed, kid);
      if (opened !== null) return opened;
    }
    return null;
  }
}

function sealingKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), INFO, 32));
}

/** The private key `key` sealed, or null when it did not (another secret's, another kid's, or damaged). */
function openWith(key: Buffer, sealed: Buffer, kid: string): KeyObject | null {
  if (sealed.length <= IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES))
      .setAAD(Buffer.from(kid))
      .setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const der = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch {
    return null;
  }
}
