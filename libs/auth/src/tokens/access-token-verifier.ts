import { Injectable } from '@nestjs/common';
import { TokenExpiredError } from '@nestjs/jwt';
import { errors as joseErrors, jwtVerify } from 'jose';
import { LRUCache } from 'lru-cache';
import { createHmac, verify as verifySignature } from 'node:crypto';
import { SecurityConfig } from '@app/config';
import type { VerificationKey } from './keys/signing-keys.js';
import { ACCESS_TOKEN_TYPE, checkClaims, CLOCK_SKEW_SECONDS, type TokenClaims, type TokenRejection } from './token-claims.js';
import { ClaimsRejected, JwtAccessStrategy, type TokenCarrier } from './jwt-access.strategy.js';
import { keyHintOf } from './token-kid.js';
import { TokenProvider } from './token-provider.js';

/** Verified access tokens kept, at most; the least recently used is dropped first. */
export const VERIFIED_TOKEN_CACHE_SIZE = 10_000;

/** What passport's `authenticate` middleware gives a strategy to report with. */
interface StrategyAttempt {
  authenticate(carrier: TokenCarrier, options?: object): void;
  success(claims: TokenClaims): void;
  fail(info?: unknown): void;
  error(error: unknown): void;
}

/**
 * Every check an access token passes before a request may use it, fastest first:
 * 1. the verified-token cache: a token verified before skips everything but the expiry check;
 * 2. the key its `kid` names (an unknown `kid` makes the instance look in the database again,
 *    at most once a second), whose one algorithm the token's `alg` must be;
 * 3. for an HS256 or RS256 token, the signature pre-check (`signatureMayHold`): one HMAC or one
 *    RSA verification, so a flood of forged tokens costs no JSON decoding, no passport and no
 *    thrown error;
 * 4. the passport-jwt strategy (`JwtAccessStrategy`): the full verification and the claims —
 *    or, for EdDSA, which jsonwebtoken lacks, jose's `jwtVerify` and the same claim checks.
 * Revocation and audience are not this class's: they are checked on every request, cached or not.
 */
@Injectable()
export class AccessTokenVerifier {
  /**
   * lru-cache: O(1) eviction at any size (a Map used as a queue was measured at ~36 µs per
   * eviction once full, from skipping its deleted entries), and the tokens in use stay.
   */
  private readonly verified = new LRUCache<string, Readonly<TokenClaims>>({ max: VERIFIED_TOKEN_CACHE_SIZE });

  constructor(
    private readonly tokens: TokenProvider,
    private readonly strategy: JwtAccessStrategy,
    private readonly security: SecurityConfig,
  ) {}

  /**
   * The claims of a token already verified, `expired` when it has expired since, or undefined
   * when it must be verified (`verify`). Never does cryptographic work.
   */
  cached(token: string): Readonly<TokenClaims> | 'expired' | undefined {
    const claims = this.verified.get(token);
    if (claims === undefined) return undefined;
    if (Date.now() / 1000 >= claims.exp + CLOCK_SKEW_SECONDS) {
      this.verified.delete(token);
      return 'expired';
    }
    return claims;
  }

  /** The verified claims of an access token, or why it is refused. */
  async verify(token: string): Promise<Readonly<TokenClaims> | TokenRejection> {
    const cached = this.cached(token);
    if (cached !== undefined) return cached;
    const { kid, alg } = keyHintOf(token);
    const key = this.tokens.verificationKey(kid) ?? (await this.tokens.lookUpVerificationKey(kid));
    if (key === undefined || key.algorithm !== alg) return 'invalid';
    if (!signatureMayHold(token, key)) return 'invalid';
    const outcome = key.algorithm === 'EdDSA' ? await this.verifyEdDsa(token, key) : await this.runStrategy(token);
    if (typeof outcome === 'string') return outcome;
    // In an asymmetric mode the secret signs refresh tokens only: an HS256 access token issued since the change is forged.
    if (key.algorithm === 'HS256') {
      const latest = this.tokens.hs256AccessTokensIssuedBy();
      if (latest !== undefined && outcome.iat > latest) return 'invalid';
    }
    this.verified.set(token, Object.freeze(outcome));
    return outcome;
  }

  /** EdDSA: jose checks the signature, `exp` and `nbf` (with the leeway), then the same claim checks as the strategy's. */
  private async verifyEdDsa(token: string, key: VerificationKey): Promise<TokenClaims | TokenRejection> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, key.key, { algorithms: ['EdDSA'], clockTolerance: CLOCK_SKEW_SECONDS });
      return checkClaims(protectedHeader, payload, {
        type: ACCESS_TOKEN_TYPE,
        issuer: this.security.issuer,
        maxLifetime: this.security.accessTokenExpiration,
        now: Date.now() / 1000,
      });
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) return 'expired';
      if (error instanceof joseErrors.JOSEError) return 'invalid';
      throw error;
    }
  }

  /** Runs the strategy as passport's `authenticate` middleware does: on a copy given the report callbacks. */
  private runStrategy(token: string): Promise<TokenClaims | TokenRejection> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as StrategyAttempt;
      attempt.success = (claims) => resolve(claims);
      attempt.fail = (info) => resolve(rejectionOf(info));
      attempt.error = (error) => {
        if (error instanceof ClaimsRejected) resolve(error.reason);
        else reject(error instanceof Error ? error : new Error(String(error)));
      };
      attempt.authenticate({ token });
    });
  }
}

/**
 * The signature pre-check, for the algorithms whose check is cheap next to the full
 * verification: false when the token's signature is wrong, and the token is refused without
 * decoding anything more; true when it holds (or the algorithm has no pre-check), and the token
 * still goes through the full verification.
 * - HS256: one HMAC (~2–9 µs), against jsonwebtoken's decode and signature under passport.
 * - RS256: one RSA public-key verification (~22 µs raw), against ~55 µs through jsonwebtoken
 *   and its thrown error. Measured in one server, with and without it, against its public
 *   route: forged tokens 0.38 → 0.59 of its rate, first verifications of valid ones 0.46 → 0.40.
 * - ES256 and EdDSA: none. Their verification (60–110 µs) is most of a forged token's cost
 *   either way, and doing it twice for every new valid token costs more than it saves (ES256,
 *   measured the same way: forged tokens 0.32 → 0.42, first verifications 0.36 → 0.27).
 */
function signatureMayHold(token: string, key: VerificationKey): boolean {
  if (key.algorithm !== 'HS256' && key.algorithm !== 'RS256') return true;
  const signatureStart = token.lastIndexOf('.');
  if (signatureStart <= 0) return false;
  if (key.algorithm === 'RS256') return rsaSignatureHolds(token, signatureStart, key);
  // Like jws (which compares the base64url strings, too), a non-canonical encoding of the right signature is refused.
  const expected = createHmac('sha256', key.key).update(token.slice(0, signatureStart)).digest('base64url');
  return equalInConstantTime(expected, token, signatureStart + 1);
}

/**
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256) over the token's signing input, as jwa checks it: the
 * same bytes (the base64url signature decoded as jwa's base64 decoding does, the input as UTF-8),
 * so the pre-check refuses nothing the full verification would accept. An error from OpenSSL
 * leaves the decision to the full verification.
 */
function rsaSignatureHolds(token: string, signatureStart: number, key: VerificationKey): boolean {
  try {
    return verifySignature(
      'sha256',
      Buffer.from(token.slice(0, signatureStart)),
      key.key,
      Buffer.from(token.slice(signatureStart + 1), 'base64url'),
    );
  } catch {
    return true;
  }
}

/** What a strategy failure means for the client, told by the error's type. */
function rejectionOf(info: unknown): TokenRejection {
  if (info instanceof ClaimsRejected) return info.reason;
  // Any other JsonWebTokenError (bad signature, algorithm, nbf, malformed) is simply invalid.
  return info instanceof TokenExpiredError ? 'expired' : 'invalid';
}

/** Whether `text` holds `expected` from `offset` to its end, in time that depends only on the lengths. */
function equalInConstantTime(expected: string, text: string, offset: number): boolean {
  if (text.length - offset !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ text.charCodeAt(offset + i);
  return difference === 0;
}
