import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { SecurityConfig } from '@app/config';
import { ACCESS_TOKEN_TYPE, checkClaims, CLOCK_SKEW_SECONDS, type TokenClaims, type TokenRejection } from './token-claims.js';
import { keyHintOf } from './token-kid.js';
import { TokenProvider } from './token-provider.js';

/** What the strategy reads the token from: the verifier hands it the bearer token it extracted. */
export interface TokenCarrier {
  readonly token: string;
}

/** A token whose signature held but whose claims did not (passport's error path carries the reason). */
export class ClaimsRejected extends Error {
  constructor(readonly reason: TokenRejection) {
    super(`Token claims rejected: ${reason}`);
  }
}

export const ACCESS_STRATEGY = 'gatehouse-access';

/** The algorithms jsonwebtoken (under passport-jwt) verifies; EdDSA tokens are verified with jose (`AccessTokenVerifier`). */
export const STRATEGY_ALGORITHMS = ['HS256', 'RS256', 'ES256'] as const;

/**
 * Full verification of an access token, as a passport-jwt strategy: the key is chosen by the
 * token's `kid` (`secretOrKeyProvider`), and the token's `alg` must be that key's one algorithm;
 * jsonwebtoken checks the signature, `exp` and `nbf` (with the clock-skew leeway), and
 * `validate` checks the claims Gatehouse requires. `AccessTokenVerifier` runs it for tokens it
 * has not verified before.
 */
@Injectable()
export class JwtAccessStrategy extends PassportStrategy(Strategy, ACCESS_STRATEGY) {
  private readonly issuer: string;
  private readonly maxLifetime: number;

  constructor(tokens: TokenProvider, security: SecurityConfig) {
    super({
      jwtFromRequest: (carrier: TokenCarrier) => carrier.token,
      secretOrKeyProvider: (_carrier: unknown, rawToken: string, done: (error: Error | null, key?: unknown) => void) => {
        const { kid, alg } = keyHintOf(rawToken);
        const key = tokens.verificationKey(kid);
        if (key === undefined || key.algorithm !== alg) done(new ClaimsRejected('invalid'));
        else done(null, key.key);
      },
      algorithms: [...STRATEGY_ALGORITHMS],
      jsonWebTokenOptions: { complete: true, clockTolerance: CLOCK_SKEW_SECONDS },
    } as ConstructorParameters<typeof Strategy>[0]);
    this.issuer = security.issuer;
    this.maxLifetime = security.accessTokenExpiration;
  }

  validate(decoded: { header: { typ?: unknown; crit?: unknown }; payload: Record<string, unknown> }): TokenClaims {
    const outcome = checkClaims(decoded.header, decoded.payload, {
      type: ACCESS_TOKEN_TYPE,
      issuer: this.issuer,
      maxLifetime: this.maxLifetime,
      now: Date.now() / 1000,
    });
    if (typeof outcome === 'string') throw new ClaimsRejected(outcome);
    return outcome;
  }
}
