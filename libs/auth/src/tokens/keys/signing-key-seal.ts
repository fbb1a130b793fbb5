import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createPrivateKey, hkdfSync, type KeyObject, randomBytes } from 'node:crypto';
import { SecurityConfig } from '@app/config';

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

  constructor(security: SecurityConfig) {
    this.keys = [security.signingKey, ...security.previousSecrets.map((previous) => previous.key)].map((secret) =>
      Buffer.from(hkdfSync('sha256', secret.export(), Buffer.alloc(0), INFO, 32)),
    );
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
    if (sealed.length <= IV_BYTES + TAG_BYTES) return null;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES))
          .setAAD(Buffer.from(kid))
          .setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        const der = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
        return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      } catch {
        // Not this secret's: try the next one.
      }
    }
    return null;
  }
}
