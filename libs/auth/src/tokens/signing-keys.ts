import { Injectable, Module } from '@nestjs/common';
import { JsonWebTokenError, JwtSecretRequestType } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import { SecurityConfig } from '@app/config';
import { kidOf } from './token-kid.js';

/** The algorithm access and refresh tokens are signed with. */
export const SIGNING_ALGORITHM = 'HS256';

/**
 * The keys tokens are signed and verified with, by key id (`kid`): the HS256 secret as a
 * KeyObject (a string secret makes every verification re-derive the key, ~40x slower), whose
 * id is its fingerprint. Whether they may be used at all is the token provider's rule.
 */
@Injectable()
export class SigningKeys {
  readonly current: { readonly kid: string; readonly key: KeyObject; readonly algorithm: typeof SIGNING_ALGORITHM };
  private readonly byKid: ReadonlyMap<string, KeyObject>;

  constructor(security: SecurityConfig) {
    this.current = { kid: security.secretFingerprint, key: security.signingKey, algorithm: SIGNING_ALGORITHM };
    this.byKid = new Map([[this.current.kid, this.current.key]]);
  }

  get algorithms(): string[] {
    return [SIGNING_ALGORITHM];
  }

  verificationKey(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.byKid.get(kid) : undefined;
  }

  /** @nestjs/jwt's `secretOrKeyProvider`: the current key to sign, the token's own key to verify. */
  keyFor(requestType: JwtSecretRequestType, tokenOrPayload: unknown): KeyObject {
    if (requestType === JwtSecretRequestType.SIGN) return this.current.key;
    const key = typeof tokenOrPayload === 'string' ? this.verificationKey(kidOf(tokenOrPayload)) : undefined;
    if (key === undefined) throw new JsonWebTokenError('unknown key id');
    return key;
  }
}

@Module({ providers: [SigningKeys], exports: [SigningKeys] })
export class SigningKeysModule {}
