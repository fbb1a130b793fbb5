import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-jwt';
import { SecurityConfig } from '@app/config';
import { ACCESS_TOKEN_TYPE, checkClaims, CLOCK_SKEW_SECONDS, type TokenClaims, type TokenRejection } from './token-claims.js';
import { kidOf } from './token-kid.js';
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

/**
 * Full verification of an access token, as a passport-jwt strategy: the key is chosen by the
 * token's `kid` (`secretOrKeyProvider`), the algorithm is pinned, jsonwebtoken checks the
 * signature, `exp` and `nbf` (with the clock-skew leeway), and `validate` checks the claims
 * Gatehouse requires. `AccessTokenVerifier` runs it for tokens it has not verified before.
 */
@Injectable()
export class JwtAccessStrategy extends PassportStrategy(Strategy, ACCESS_STRATEGY) {
  private readonly issuer: string;
  private readonly maxLifetime: number;

  constructor(tokens: TokenProvider, security: SecurityConfig) {
    super({
      jwtFromRequest: (carrier: TokenCarrier) => carrier.token,
      secretOrKeyProvider: (_carrier: unknown, rawToken: string, done: (error: Error | null, key?: unknown) => void) => {
        const key = tokens.verificationKey(kidOf(rawToken));
        if (key === undefined) done(new ClaimsRejected('invalid'));
        else done(null, key);
      },
      algorithms: tokens.algorithms,
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
