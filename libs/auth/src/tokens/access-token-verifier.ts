import { Injectable } from '@nestjs/common';
import { TokenExpiredError } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { createHmac } from 'node:crypto';
import { CLOCK_SKEW_SECONDS, type TokenClaims, type TokenRejection } from './token-claims.js';
import { ClaimsRejected, JwtAccessStrategy, type TokenCarrier } from './jwt-access.strategy.js';
import { kidOf } from './token-kid.js';
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
 * 2. the signature pre-check (HS256): one HMAC with the key of the token's `kid`, compared in
 *    constant time, so a flood of forged tokens costs no JSON decoding of the payload;
 * 3. the passport-jwt strategy (`JwtAccessStrategy`): the full verification and the claims.
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
    if (!this.signatureMatches(token)) return 'invalid';
    const outcome = await this.runStrategy(token);
    if (typeof outcome === 'string') return outcome;
    this.verified.set(token, Object.freeze(outcome));
    return outcome;
  }

  /**
   * Whether an HS256 token's signature is right: one HMAC with the key of its `kid`, its
   * base64url form compared with the token's in constant time. A token failing it is refused
   * without decoding anything more; one passing it still goes through the full verification.
   */
  private signatureMatches(token: string): boolean {
    const signatureStart = token.lastIndexOf('.');
    if (signatureStart <= 0) return false;
    const key = this.tokens.verificationKey(kidOf(token));
    if (key === undefined) return false;
    // Only an HMAC key allows a pre-check cheaper than the verification itself.
    if (key.type !== 'secret') return true;
    const expected = createHmac('sha256', key).update(token.slice(0, signatureStart)).digest('base64url');
    return equalInConstantTime(expected, token, signatureStart + 1);
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

/** What a strategy failure means for the client, told by the error's type. */
function rejectionOf(info: unknown): TokenRejection {
  if (info instanceof ClaimsRejected) return info.reason;
  // Any other JsonWebTokenError (bad signature, algorithm, nbf, malformed) is simply invalid.
  return info instanceof TokenExpiredError ? 'expired' : 'invalid';
}

/**
 * Whether `text` holds `expected` from `offset` to its end, in time that depends only on the
 * lengths. Like jws (which compares the base64url strings, too), a non-canonical encoding of
 * the right signature is refused.
 */
function equalInConstantTime(expected: string, text: string, offset: number): boolean {
  if (text.length - offset !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ text.charCodeAt(offset + i);
  return difference === 0;
}
