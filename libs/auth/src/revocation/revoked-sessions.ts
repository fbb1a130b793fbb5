import { Injectable } from '@nestjs/common';
import { SecurityConfig } from '@app/config';
import { CLOCK_SKEW_SECONDS, LIFETIME_LEEWAY_SECONDS } from '../tokens/token-claims.js';

/**
 * Revoked sessions whose access tokens may still be unexpired, in memory, so a request is
 * refused without a database query. This instance's own revocations are recorded at once;
 * other instances' arrive through `RevocationSync` (HTTP servers only).
 */
@Injectable()
export class RevokedSessions {
  /** Session id → when its last access token has surely expired (ms since epoch). */
  private readonly revoked = new Map<string, number>();
  /**
   * Revoked access tokens stay dangerous for at most this long after revocation: an access
   * token is accepted only while its lifetime (`exp - iat`) is within the configured one plus
   * leeway, whatever the setting was when it was issued, and until `exp` plus the clock skew.
   */
  readonly retentionMs: number;

  constructor(security: SecurityConfig) {
    this.retentionMs = (security.accessTokenExpiration + LIFETIME_LEEWAY_SECONDS + CLOCK_SKEW_SECONDS) * 1000;
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  /**
   * Whether a token is revoked: its session (`sid`), or the session of a client it was
   * exchanged by or for (`client_sids`: disabling a client revokes those tokens too).
   */
  revokes(claims: { readonly sid: string; readonly client_sids?: readonly string[] }): boolean {
    if (this.revoked.has(claims.sid)) return true;
    return claims.client_sids !== undefined && claims.client_sids.some((sessionId) => this.revoked.has(sessionId));
  }

  markRevoked(sessionIds: readonly string[], revokedAt = Date.now()): void {
    const forgetAfter = revokedAt + this.retentionMs;
    for (const id of sessionIds) this.revoked.set(id, forgetAfter);
  }

  /** Forgets revocations whose tokens have all expired by `now`. */
  forgetExpired(now = Date.now()): void {
    for (const [id, forgetAfter] of this.revoked) if (forgetAfter < now) this.revoked.delete(id);
  }
}
