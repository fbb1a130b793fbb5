import { Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { SecurityConfig } from '@app/config';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Seals a session's current refresh token (AES-256-GCM, with a key derived from
 * `PLATFORM_JWT_SECRET` and the session id as associated data), so that a client whose refresh
 * succeeded but whose answer was lost can retry within the grace window and be given that same
 * token, instead of a second successor that would make the first one look stolen. Only hashes
 * identify refresh tokens; the sealed copy is read for nothing else.
 */
@Injectable()
export class SuccessorSeal {
  private readonly key: Buffer;

  constructor(security: SecurityConfig) {
    this.key = Buffer.from(hkdfSync('sha256', security.signingKey.export(), Buffer.alloc(0), 'gatehouse refresh-token successor v1', 32));
  }

  seal(token: string, sessionId: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(sessionId));
    const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
  }

  /** The sealed token, or null when it was sealed for another session or with another secret. */
  open(sealed: Buffer, sessionId: string): string | null {
    if (sealed.length <= IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES))
        .setAAD(Buffer.from(sessionId))
        .setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}
