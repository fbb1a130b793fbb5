import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JsonWebTokenError, JwtService, TokenExpiredError } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { type Audience, SecurityConfig } from '@app/config';
import { DomainError } from '@app/errors';
import { AuthMetrics } from '../auth-metrics.js';
import { signEdDsa } from './keys/signing-key-material.js';
import { type SignerKey, SigningKeys, type VerificationKey } from './keys/signing-keys.js';
import {
  ACCESS_TOKEN_TYPE,
  checkClaims,
  CLOCK_SKEW_SECONDS,
  REFRESH_TOKEN_TYPE,
  type TokenClaims,
  type TokenRejection,
} from './token-claims.js';
import { kidOf } from './token-kid.js';

export const DEFAULT_SECRET_REFUSAL = 'Refusing to issue JWT with default PLATFORM_JWT_SECRET outside dev';

/** 503: outside dev with the built-in secret, nothing is issued (SPEC section 1). */
export class TokenIssuanceDisabled extends DomainError {
  constructor() {
    super('unavailable', 'Token issuance is disabled by a server misconfiguration; the administrator must set PLATFORM_JWT_SECRET');
  }
}

export interface TokenSubject {
  userId: string;
  sessionId: string;
  audiences: readonly Audience[];
}

/**
 * What an access token beyond a login's carries (SPEC section 6): a client's own token
 * (`sub` = `client:<id>`) or one made by token exchange. `audience`: the surfaces, then the
 * resource URIs.
 */
export interface AccessGrant {
  sub: string;
  sessionId: string;
  audience: readonly string[];
  claims: Pick<TokenClaims, 'scope' | 'client_id' | 'workspace_id' | 'workspace_role' | 'act' | 'client_sids'>;
}

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  expiresAt: Date;
}

/**
 * The one service that signs tokens and hands out the keys that verify them (`SigningKeys`),
 * and so the home of the production secret rule: outside dev with the built-in secret it
 * issues nothing and hands out no verification key, so nothing is accepted either.
 */
@Injectable()
export class TokenProvider implements OnModuleInit {
  private readonly logger = new Logger('TokenProvider');
  /** Outside dev with the public default secret, no token is issued or accepted. */
  private readonly disabled: boolean;

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: SigningKeys,
    private readonly security: SecurityConfig,
    private readonly metrics: AuthMetrics,
  ) {
    this.disabled = security.usesDefaultSecret && !security.isDevelopment;
  }

  onModuleInit(): void {
    if (this.disabled) {
      this.logger.error(
        'PLATFORM_JWT_SECRET is not set (the built-in development secret is in use) outside dev: ' +
          'Gatehouse will refuse to issue tokens and will reject every token presented. ' +
          'Set PLATFORM_JWT_SECRET (generate one with `gatehouse secret generate`) or PLATFORM_ENV=dev.',
      );
    }
  }

  /** False outside dev with the built-in secret: nothing is issued or accepted. */
  get enabled(): boolean {
    return !this.disabled;
  }

  /** Refuses (503, and logs the refusal) when token issuance is disabled by misconfiguration. */
  assertCanIssue(): void {
    if (!this.disabled) return;
    this.logger.error(DEFAULT_SECRET_REFUSAL);
    this.metrics.issuanceRefusedForDefaultSecret();
    throw new TokenIssuanceDisabled();
  }

  /** An access token, signed with the current key of `JWT_SIGNING_ALGORITHM`. */
  issueAccessToken(subject: TokenSubject): IssuedToken {
    this.assertCanIssue();
    return this.issue(subject, ACCESS_TOKEN_TYPE, this.security.accessTokenExpiration, this.keys.accessSigner());
  }

  /** An access token for a grant of the OAuth endpoints, living `lifetime` seconds (the caller bounds it), signed as `issueAccessToken`'s. */
  issueGrantedAccessToken(grant: AccessGrant, lifetime: number): IssuedToken {
    const defined = Object.fromEntries(Object.entries(grant.claims).filter(([, value]) => value !== undefined));
    this.assertCanIssue();
    return this.issue(
      { userId: grant.sub, sessionId: grant.sessionId, audiences: grant.audience },
      ACCESS_TOKEN_TYPE,
      lifetime,
      this.keys.accessSigner(),
      defined,
    );
  }

  /**
   * A refresh token of a session that began at `authTime` (seconds; now for a login). It lives
   * `JWT_REFRESH_TOKEN_EXPIRATION`, but never past `SESSION_MAX_LIFETIME` after the session
   * began (`sessionEnded` tells when that time has come).
   */
  issueRefreshToken(subject: TokenSubject, authTime = Math.floor(Date.now() / 1000)): IssuedToken {
    const now = Math.floor(Date.now() / 1000);
    // At least a second: the caller checked `sessionEnded`, and the clock may have ticked since.
    const lifetime = Math.max(1, Math.min(this.security.refreshTokenExpiration, authTime + this.security.sessionMaxLifetime - now));
    // Always HS256 with the secret: a refresh token is never verifiable with the published keys.
    return this.issue(subject, REFRESH_TOKEN_TYPE, lifetime, this.keys.secret, { auth_time: authTime });
  }

  /** Whether a session that began at `authTime` (seconds) has lived `SESSION_MAX_LIFETIME`: it cannot be refreshed any more. */
  sessionEnded(authTime: number): boolean {
    return authTime + this.security.sessionMaxLifetime <= Math.floor(Date.now() / 1000);
  }

  /** The key that verifies access tokens carrying this `kid`, if any (none at all when issuance is disabled). */
  verificationKey(kid: unknown): VerificationKey | undefined {
    return this.disabled ? undefined : this.keys.verificationKey(kid);
  }

  /** Like `verificationKey`, but an unknown `kid` makes this instance load the keys again first (another may have just made it). */
  async lookUpVerificationKey(kid: unknown): Promise<VerificationKey | undefined> {
    return this.disabled ? undefined : this.keys.lookUp(kid);
  }

  /** In an asymmetric mode, the latest `iat` an HS256 access token may carry (`SigningKeys.hs256AccessTokensIssuedBy`). */
  hs256AccessTokensIssuedBy(): number | undefined {
    return this.keys.hs256AccessTokensIssuedBy();
  }

  /** The verified claims of a refresh token, or why it is refused. */
  verifyRefreshToken(token: string): TokenClaims | TokenRejection {
    if (this.disabled || this.keys.refreshVerificationKey(kidOf(token)) === undefined) return 'invalid';
    let decoded: { header: { typ?: unknown }; payload: Record<string, unknown> };
    try {
      // The key is the secret (current or previous) the token's kid names (SigningKeys.keyFor).
      decoded = this.jwt.verify(token, {
        algorithms: ['HS256'],
        clockTolerance: CLOCK_SKEW_SECONDS,
        complete: true,
      });
    } catch (error) {
      if (error instanceof TokenExpiredError) return 'expired';
      if (error instanceof JsonWebTokenError) return 'invalid';
      throw error;
    }
    return checkClaims(decoded.header, decoded.payload, {
      type: REFRESH_TOKEN_TYPE,
      issuer: this.security.issuer,
      now: Date.now() / 1000,
    });
  }

  private issue(
    subject: Omit<TokenSubject, 'audiences'> & { audiences: readonly string[] },
    type: string,
    lifetime: number,
    signer: SignerKey,
    extra: Partial<TokenClaims> = {},
  ): IssuedToken {
    this.assertCanIssue();
    const now = Math.floor(Date.now() / 1000);
    const claims: TokenClaims = {
      iss: this.security.issuer,
      aud: [...subject.audiences],
      sub: subject.userId,
      sid: subject.sessionId,
      jti: randomUUID(),
      iat: now,
      exp: now + lifetime,
      ...extra,
    };
    const { kid, algorithm, key } = signer;
    const header = { alg: algorithm, typ: type, kid };
    const token = algorithm === 'EdDSA' ? signEdDsa(header, claims, key) : this.jwt.sign(claims, { algorithm, header, privateKey: key });
    return { token, expiresIn: lifetime, expiresAt: new Date(claims.exp * 1000) };
  }
}
