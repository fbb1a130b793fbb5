import { Injectable, Logger, Module } from '@nestjs/common';
import { JsonWebTokenError, JwtSecretRequestType, type JwtSignOptions } from '@nestjs/jwt';
import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SecurityConfig, type SigningAlgorithm } from '@app/config';
import { DomainError } from '@app/errors';
import { CLOCK_SKEW_SECONDS } from '../token-claims.js';
import { kidOf } from '../token-kid.js';
import { type AsymmetricAlgorithm, publishedJwk } from './signing-key-material.js';
import { SigningKeySeal } from './signing-key-seal.js';
import type { StoredSigningKey } from './signing-keys.repository.js';

/** A key that verifies the tokens carrying its `kid`, with the one algorithm it is for. */
export interface VerificationKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly key: KeyObject;
}

/** A key that signs: the private half (or the secret) and what goes into the token's header. */
export interface SignerKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly key: KeyObject;
}

/** A stored key as this instance holds it. */
interface HeldKey extends VerificationKey {
  readonly algorithm: AsymmetricAlgorithm;
  readonly publicJwk: JsonWebKey;
  readonly activatesAt: number;
  readonly retiredAt: number | null;
  /** Null when no configured secret opens it: it verifies, but never signs. */
  readonly privateKey: KeyObject | null;
}

/** The state `gatehouse keys list` shows. */
export type KeyState = 'next' | 'current' | 'retiring';

/** 503 when no usable asymmetric key is loaded (the database was never reached since start-up). */
export class SigningKeyUnavailable extends DomainError {
  constructor() {
    super('unavailable', 'Token issuance is unavailable: no signing key is loaded yet; try again shortly', { 'Retry-After': '5' });
  }
}

/** HS256 access tokens still count this long after the first key of an asymmetric algorithm took over (a rolling change's old instances sign them meanwhile). */
const HS256_CHANGE_GRACE_MS = 10 * 60 * 1000;

/** An unknown `kid` makes the instance look in the database again, at most this often. */
export const UNKNOWN_KID_RELOAD_INTERVAL_MS = 1_000;

/**
 * The keys tokens are signed and verified with, by key id (`kid`), as this instance holds them:
 * - the HS256 secret (its fingerprint is its `kid`) and the previous secrets: refresh tokens,
 *   and access tokens in HS256 mode or issued before a switch of algorithm;
 * - the asymmetric keys of the `signing_keys` table (RS256, ES256, EdDSA), loaded by
 *   `SigningKeysSync` and replaced whenever any instance changes them.
 * Every key carries its one algorithm: a token is verified with the algorithm of the key its
 * `kid` names, never the one its header asks for. Which keys may be used at all (the production
 * secret rule) is the token provider's decision.
 */
@Injectable()
export class SigningKeys {
  private readonly logger = new Logger('SigningKeys');
  /** The current secret: signs refresh tokens always, access tokens in HS256 mode. */
  readonly secret: SignerKey;
  private readonly secrets: ReadonlyMap<string, VerificationKey>;
  private held: readonly HeldKey[] = [];
  private byKid: ReadonlyMap<string, VerificationKey>;
  private reloader: (() => Promise<void>) | undefined;
  private reloading: Promise<void> | undefined;
  private lastReloadAt = 0;

  constructor(
    private readonly security: SecurityConfig,
    private readonly seal: SigningKeySeal,
  ) {
    this.secret = { kid: security.secretFingerprint, key: security.signingKey, algorithm: 'HS256' };
    const secrets: VerificationKey[] = [
      this.secret,
      ...security.previousSecrets.map((p) => ({ kid: p.fingerprint, key: p.key, algorithm: 'HS256' as const })),
    ];
    this.secrets = new Map(secrets.map((secret) => [secret.kid, secret]));
    this.byKid = this.secrets;
  }

  /** The algorithm new access tokens are signed with. */
  get algorithm(): SigningAlgorithm {
    return this.security.signingAlgorithm;
  }

  /** Replaces the asymmetric keys with the table's rows (opening the private halves this instance can). */
  use(stored: readonly StoredSigningKey[]): void {
    const previous = new Map(this.held.map((key) => [key.kid, key]));
    const trusted = stored.filter((row) => {
      if (previous.has(row.kid) || this.security.isDevelopment || !this.seal.sealedUnderPublicSecret(row.sealedPrivateKey, row.kid)) {
        return true;
      }
      this.logger.error(
        `Signing key ${row.kid} was sealed under the public built-in secret (made in dev): anyone with a copy of the ` +
          'database could sign with it, so it is neither used nor published; `gatehouse keys rotate --now` replaces it',
      );
      return false;
    });
    this.held = trusted.map((row) => {
      const known = previous.get(row.kid);
      const privateKey = known?.privateKey ?? this.seal.open(row.sealedPrivateKey, row.kid);
      if (privateKey === null && known === undefined) {
        this.logger.warn(
          `Signing key ${row.kid} cannot be opened with PLATFORM_JWT_SECRET or a previous secret: it verifies, but never signs here`,
        );
      }
      return {
        kid: row.kid,
        algorithm: row.algorithm,
        key: known?.key ?? createPublicKey({ key: row.publicJwk, format: 'jwk' }),
        publicJwk: row.publicJwk,
        activatesAt: row.activatesAt.getTime(),
        retiredAt: row.retiredAt?.getTime() ?? null,
        privateKey,
      };
    });
    const byKid = new Map(this.secrets);
    for (const key of this.held) if (!byKid.has(key.kid)) byKid.set(key.kid, key);
    this.byKid = byKid;
  }

  /**
   * In an asymmetric mode, the latest `iat` an HS256 access token may have (seconds): tokens the
   * secret signed before the change of algorithm (the start of the current run of keys) keep
   * working until they expire, and those of instances not yet changed in a rolling change (the
   * activation delay), but the secret signs no new access token that counts. Without it, whoever holds the secret (an HS256-era
   * resource server) could mint access tokens forever, which an asymmetric mode exists to end.
   * Undefined in HS256 mode: every HS256 token counts.
   */
  hs256AccessTokensIssuedBy(now = Date.now()): number | undefined {
    const algorithm = this.security.signingAlgorithm;
    if (algorithm === 'HS256') return undefined;
    // The current run of the algorithm: the signing key, back through the keys each rotation
    // replaced (a rotation retires the old key at the very moment its successor activates).
    let key: HeldKey | undefined = signingKeyAt(this.held, algorithm, now);
    // No key of the algorithm signs (yet): no HS256 access token counts.
    if (key === undefined) return 0;
    for (;;) {
      const successorOf: HeldKey = key;
      const predecessor: HeldKey | undefined = this.held
        .filter(
          (other) =>
            other.algorithm === algorithm && other.retiredAt === successorOf.activatesAt && other.activatesAt < successorOf.activatesAt,
        )
        .sort((a, b) => a.activatesAt - b.activatesAt)[0];
      if (predecessor === undefined) break;
      key = predecessor;
    }
    return Math.floor((key.activatesAt + HS256_CHANGE_GRACE_MS) / 1000);
  }

  /** Set by `SigningKeysSync`: how to load the keys again (an unknown `kid`). */
  reloadWith(reloader: () => Promise<void>): void {
    this.reloader = reloader;
  }

  /** The key that signs access tokens now. */
  accessSigner(now = Date.now()): SignerKey {
    if (this.security.signingAlgorithm === 'HS256') return this.secret;
    const key = signingKeyAt(this.held, this.security.signingAlgorithm, now);
    if (key === undefined || key.privateKey === null) throw new SigningKeyUnavailable();
    return { kid: key.kid, algorithm: key.algorithm, key: key.privateKey };
  }

  /** The key that verifies tokens carrying this `kid`, if this instance holds one. */
  verificationKey(kid: unknown): VerificationKey | undefined {
    return typeof kid === 'string' ? this.byKid.get(kid) : undefined;
  }

  /** The secret (current or previous) that verifies refresh tokens carrying this `kid`: never a published key. */
  refreshVerificationKey(kid: unknown): VerificationKey | undefined {
    return typeof kid === 'string' ? this.secrets.get(kid) : undefined;
  }

  /**
   * Like `verificationKey`, but a `kid` this instance does not hold makes it load the keys again
   * first (another instance may have just made it): at most once a second, however many tokens
   * carry unknown ids, and one load at a time.
   */
  async lookUp(kid: unknown): Promise<VerificationKey | undefined> {
    const known = this.verificationKey(kid);
    if (known !== undefined || typeof kid !== 'string' || this.reloader === undefined) return known;
    if (this.reloading === undefined && Date.now() - this.lastReloadAt >= UNKNOWN_KID_RELOAD_INTERVAL_MS) {
      this.lastReloadAt = Date.now();
      this.reloading = this.reloader()
        .catch((error: unknown) => this.logger.warn(`Could not load the signing keys: ${(error as Error).message}`))
        .finally(() => (this.reloading = undefined));
    }
    if (this.reloading !== undefined) await this.reloading;
    return this.verificationKey(kid);
  }

  /**
   * @nestjs/jwt's `secretOrKeyProvider`: signing uses the key the token provider passes
   * (`privateKey`); verification (refresh tokens only) the secret the token's `kid` names.
   */
  keyFor(requestType: JwtSecretRequestType, tokenOrPayload: unknown, options?: unknown): KeyObject {
    if (requestType === JwtSecretRequestType.SIGN) {
      const key = (options as JwtSignOptions | undefined)?.privateKey;
      if (key === undefined || typeof key === 'string' || Buffer.isBuffer(key) || !('type' in key))
        throw new Error('the signing key must be given');
      return key;
    }
    const key = typeof tokenOrPayload === 'string' ? this.refreshVerificationKey(kidOf(tokenOrPayload)) : undefined;
    if (key === undefined) throw new JsonWebTokenError('unknown key id');
    return key.key;
  }

  /** The JWKS (RFC 7517): every stored key a still-valid token may carry, and the next one. */
  jwks(now = Date.now()): JsonWebKey[] {
    return this.held
      .filter((key) => publishedAt(key, now, this.security.accessTokenExpiration))
      .map((key) => publishedJwk(key.publicJwk, key.kid, key.algorithm));
  }
}

/** The key of `algorithm` that signs at `now`: the latest activated, not retired, that this instance can open. */
export function signingKeyAt<Key extends { algorithm: string; activatesAt: number; retiredAt: number | null; privateKey: unknown }>(
  keys: readonly Key[],
  algorithm: string,
  now: number,
): Key | undefined {
  let best: Key | undefined;
  for (const key of keys) {
    if (key.algorithm !== algorithm || key.activatesAt > now || (key.retiredAt !== null && key.retiredAt <= now)) continue;
    if (key.privateKey === null) continue;
    if (best === undefined || key.activatesAt > best.activatesAt) best = key;
  }
  return best;
}

/** Whether a key is still published at `now`: until the last access token it may have signed has expired. */
export function publishedAt(key: { retiredAt: number | null }, now: number, accessTokenExpiration: number): boolean {
  return key.retiredAt === null || now < publishedUntil(key.retiredAt, accessTokenExpiration);
}

/** When a key retired at `retiredAt` stops being published (ms). */
export function publishedUntil(retiredAt: number, accessTokenExpiration: number): number {
  return retiredAt + (accessTokenExpiration + CLOCK_SKEW_SECONDS) * 1000;
}

/** The key ring (no database: `SigningKeysSync` loads it), for @nestjs/jwt's key provider and the token provider. */
@Module({ providers: [SigningKeySeal, SigningKeys], exports: [SigningKeySeal, SigningKeys] })
export class SigningKeysModule {}
