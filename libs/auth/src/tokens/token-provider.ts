import { Injectable, Logger, type OnModuleInit, ServiceUnavailableException } from '@nestjs/common';
import { JwtService, type JwtVerifyOptions } from '@nestjs/jwt';
import { createHmac, randomUUID } from 'node:crypto';
import { type Audience, AUDIENCES, SecurityConfig } from '@app/config';
import { AuthMetrics } from '../auth-metrics.js';

/** Access and refresh tokens are told apart by the JOSE `typ` header (RFC 9068 for `at+jwt`). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';
export const CLOCK_SKEW_SECONDS = 30;
/** Verified access tokens kept, at most; the oldest is dropped first. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;
const ALGORITHM = 'HS256';

export const DEFAULT_SECRET_REFUSAL = 'Refusing to issue JWT with default PLATFORM_JWT_SECRET outside dev';

export interface TokenSubject {
  userId: string;
  sessionId: string;
  audiences: readonly Audience[];
}

/** The verified claims of a token. */
export interface TokenClaims {
  iss: string;
  aud: Audience[];
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

export interface IssuedToken {
  token: string;
  /** Lifetime in seconds. */
  expiresIn: number;
  expiresAt: Date;
}

/** Why a presented token was refused; `message` is what the client is told. */
export type RejectionReason = 'invalid' | 'expired' | 'issuer';
export class TokenRejectedError extends Error {
  constructor(readonly reason: RejectionReason) {
    super(reason === 'expired' ? 'Token expired' : reason === 'issuer' ? 'Invalid issuer' : 'Invalid token');
  }
}

/** Built once and thrown as they are: a flood of bad tokens costs no stack capture per token. */
const REJECTED: Readonly<Record<RejectionReason, TokenRejectedError>> = {
  invalid: new TokenRejectedError('invalid'),
  expired: new TokenRejectedError('expired'),
  issuer: new TokenRejectedError('issuer'),
};

const KNOWN_AUDIENCES: ReadonlySet<string> = new Set(AUDIENCES);

/**
 * The one service that signs and verifies tokens. HS256 with the secret as a KeyObject (a
 * string secret makes every verification re-derive the key, ~40x slower). Outside dev with
 * the built-in secret it issues nothing and accepts nothing.
 */
@Injectable()
export class TokenProvider implements OnModuleInit {
  private readonly logger = new Logger('TokenProvider');
  /** Outside dev with the public default secret, no token is issued or accepted. */
  private readonly disabled: boolean;
  /**
   * Access tokens that passed full verification, with their claims. Verification depends only
   * on the token and fixed configuration, except expiry, which is checked again on every hit
   * exactly as a fresh verification would. Revocation and audience are the guard's checks, made
   * on every request whether or not the token came from here.
   */
  private readonly verified = new Map<string, Readonly<TokenClaims>>();
  /** Built once: verification is on every guarded request's path. */
  private readonly verifyOptions: JwtVerifyOptions & { complete: true };

  constructor(
    private readonly jwt: JwtService,
    private readonly security: SecurityConfig,
    private readonly metrics: AuthMetrics,
  ) {
    this.disabled = security.usesDefaultSecret && !security.isDevelopment;
    this.verifyOptions = {
      algorithms: [ALGORITHM],
      issuer: security.issuer,
      clockTolerance: CLOCK_SKEW_SECONDS,
      complete: true,
    };
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

  /** Throws 503 (and logs the refusal) when token issuance is disabled by misconfiguration. */
  assertCanIssue(): void {
    if (!this.disabled) return;
    this.logger.error(DEFAULT_SECRET_REFUSAL);
    this.metrics.issuanceRefusedForDefaultSecret();
    throw new ServiceUnavailableException(
      'Token issuance is disabled by a server misconfiguration; the administrator must set PLATFORM_JWT_SECRET',
    );
  }

  issueAccessToken(subject: TokenSubject): IssuedToken {
    return this.issue(subject, ACCESS_TOKEN_TYPE, this.security.accessTokenExpiration);
  }

  issueRefreshToken(subject: TokenSubject): IssuedToken {
    return this.issue(subject, REFRESH_TOKEN_TYPE, this.security.refreshTokenExpiration);
  }

  verifyAccessToken(token: string): Readonly<TokenClaims> {
    const outcome = this.checkAccessToken(token);
    if (typeof outcome === 'string') throw REJECTED[outcome];
    return outcome;
  }

  /**
   * The verified claims of an access token, or why it is refused, without throwing: the
   * guard's path, where a flood of bad tokens must stay cheap (a throw costs V8 a stack walk).
   */
  checkAccessToken(token: string): Readonly<TokenClaims> | RejectionReason {
    if (this.disabled) return 'invalid';
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (Date.now() / 1000 >= cached.exp + CLOCK_SKEW_SECONDS) {
        this.verified.delete(token);
        return 'expired';
      }
      return cached;
    }
    // Most bad tokens end here, after one HMAC; only a correctly signed one is decoded.
    if (!this.signatureMatches(token)) return 'invalid';
    let claims: TokenClaims;
    try {
      claims = this.decode(token, ACCESS_TOKEN_TYPE);
    } catch (error) {
      if (error instanceof TokenRejectedError) return error.reason;
      throw error;
    }
    Object.freeze(claims);
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, claims);
    return claims;
  }

  verifyRefreshToken(token: string): TokenClaims {
    return this.verify(token, REFRESH_TOKEN_TYPE);
  }

  private issue(subject: TokenSubject, type: string, lifetime: number): IssuedToken {
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
    };
    const token = this.jwt.sign(claims, {
      algorithm: ALGORITHM,
      header: { alg: ALGORITHM, typ: type, kid: this.security.secretFingerprint },
    });
    return { token, expiresIn: lifetime, expiresAt: new Date(claims.exp * 1000) };
  }

  /**
   * Whether the token's HS256 signature is right: one HMAC with the KeyObject, its base64url
   * form compared with the token's in constant time. A token failing it is refused without
   * decoding anything; one passing it still goes through the full verification.
   */
  private signatureMatches(token: string): boolean {
    const signatureStart = token.lastIndexOf('.');
    if (signatureStart <= 0) return false;
    const expected = createHmac('sha256', this.security.signingKey).update(token.slice(0, signatureStart)).digest('base64url');
    return equalInConstantTime(expected, token, signatureStart + 1);
  }

  private verify(token: string, type: string): TokenClaims {
    if (this.disabled || !this.signatureMatches(token)) throw REJECTED.invalid;
    return this.decode(token, type);
  }

  /** The full verification (jsonwebtoken's, then the claims Gatehouse requires) of a correctly signed token. */
  private decode(token: string, type: string): TokenClaims {
    let decoded: { header: { typ?: unknown }; payload: Partial<TokenClaims> & { nbf?: unknown } };
    try {
      decoded = this.jwt.verify(token, this.verifyOptions);
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TokenExpiredError') throw REJECTED.expired;
      if ((error as Error).message.startsWith('jwt issuer invalid')) throw REJECTED.issuer;
      throw REJECTED.invalid;
    }
    const { header, payload } = decoded;
    const now = Date.now() / 1000;
    if (
      header.typ !== type ||
      typeof payload.exp !== 'number' ||
      typeof payload.iat !== 'number' ||
      payload.iat > now + CLOCK_SKEW_SECONDS ||
      typeof payload.sub !== 'string' ||
      typeof payload.sid !== 'string' ||
      typeof payload.jti !== 'string' ||
      !isAudienceList(payload.aud)
    ) {
      throw REJECTED.invalid;
    }
    return payload as TokenClaims;
  }
}

/**
 * Whether `text` holds `expected` from `offset` to its end, in time that depends only on the
 * lengths. Like jws (which compares the base64url strings, too), a non-canonical encoding of
 * the right signature is refused; in a loaded server this measured clearly cheaper than
 * decoding the signature into a Buffer for `timingSafeEqual`.
 */
function equalInConstantTime(expected: string, text: string, offset: number): boolean {
  if (text.length - offset !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ text.charCodeAt(offset + i);
  return difference === 0;
}

function isAudienceList(value: unknown): value is Audience[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => KNOWN_AUDIENCES.has(entry as string));
}
