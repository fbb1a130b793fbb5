import { Injectable, Logger } from '@nestjs/common';
import { SecurityConfig } from '@app/config';
import { type AsymmetricAlgorithm, generateSigningKeyPair, keyIdOf, publicJwkOf } from './signing-key-material.js';
import { SigningKeySeal } from './signing-key-seal.js';
import { type KeyState, publishedAt, publishedUntil, signingKeyAt } from './signing-keys.js';
import { type SigningKeysChange, SigningKeysRepository, type StoredSigningKey } from './signing-keys.repository.js';

/** The JWKS's `Cache-Control: max-age`, seconds. */
export const JWKS_MAX_AGE_SECONDS = 300;
/**
 * A rotated key is published this long before it signs: twice the JWKS max-age, so a resource
 * server's cached copy of the JWKS has it before the first token it signed arrives.
 */
export const ACTIVATION_DELAY_MS = 2 * JWKS_MAX_AGE_SECONDS * 1000;
/** The upkeep makes a successor when the signing key retires within this time (twice its interval). */
export const SIGNING_LOOKAHEAD_MS = 2 * 60_000;

/** `gatehouse keys rotate` in HS256 mode: the secret is rotated by configuration. */
export class SecretRotationIsByConfiguration extends Error {
  constructor() {
    super(
      'JWT_SIGNING_ALGORITHM is HS256, whose key is PLATFORM_JWT_SECRET: to rotate it, set a new PLATFORM_JWT_SECRET ' +
        'and move the old one to PLATFORM_JWT_PREVIOUS_SECRETS (tokens it signed keep working)',
    );
  }
}

/** A key as `gatehouse keys list` shows it. */
export interface KeyListing {
  kid: string;
  algorithm: AsymmetricAlgorithm;
  state: KeyState;
  created: Date;
  /** When a `next` key starts signing. */
  activates?: Date;
  /** When a retired (or retiring) key leaves the JWKS: the last access token it may have signed has expired. */
  expires?: Date;
}

/**
 * The life of the asymmetric signing keys, shared by every instance through the `signing_keys`
 * table: a key is made `next` (published, not signing), becomes `current` at its activation, is
 * `retiring` once a newer one signs (published until the last access token it signed has
 * expired), then is deleted. Every change holds the table's lock and is announced to every
 * instance (`SigningKeysRepository.change`).
 */
@Injectable()
export class SigningKeyRotation {
  private readonly logger = new Logger('SigningKeyRotation');

  constructor(
    private readonly repository: SigningKeysRepository,
    private readonly seal: SigningKeySeal,
    private readonly security: SecurityConfig,
  ) {}

  /**
   * At start-up and in each upkeep: in an asymmetric mode, make sure a key of that algorithm
   * signs now and still will in a while. With none (a first start, a change of algorithm, a key
   * no configured secret opens) a new one signs at once; when the signing key retires soon (an
   * instance of another algorithm retired it) its successor is made now, to sign from then.
   * In HS256 mode, the asymmetric keys still signing retire. Keys of another algorithm retire
   * `ACTIVATION_DELAY_MS` from now, not at once: during a rolling change of
   * `JWT_SIGNING_ALGORITHM`, the instances not yet changed keep signing meanwhile. At start-up
   * (`atStart`), a signing key that another algorithm's instances retire is followed by a new
   * one from now: a new run of keys. A retired key
   * stays published until its tokens expire, so nobody is signed out.
   */
  ensureSigningKey(now = new Date(), atStart = false): Promise<void> {
    const algorithm = this.security.signingAlgorithm;
    const grace = new Date(now.getTime() + ACTIVATION_DELAY_MS);
    return this.repository.change(async (change) => {
      const keys = await change.list();
      const otherAlgorithms = keys.filter((key) => key.algorithm !== algorithm && (key.retiredAt === null || key.retiredAt > grace));
      if (algorithm === 'HS256') {
        await change.retire(
          otherAlgorithms.map((key) => key.kid),
          grace,
        );
        if (otherAlgorithms.length > 0)
          this.logger.log(`JWT_SIGNING_ALGORITHM is HS256: ${otherAlgorithms.length} asymmetric key(s) retire at ${grace.toISOString()}`);
        return { changed: otherAlgorithms.length > 0, result: undefined };
      }
      const signing = this.signingKeyOf(keys, algorithm, now.getTime());
      const retirement = signing?.retiredAt?.getTime();
      if (atStart && retirement !== undefined && !keys.some((key) => key.activatesAt.getTime() === retirement)) {
        // Back to this algorithm while another one's instances retire its key: a new run of
        // keys from now (HS256 access tokens signed meanwhile keep counting, see SigningKeys).
        const kid = await this.create(change, algorithm, now, []);
        this.logger.log(`Made ${algorithm} signing key ${kid}, signing from now`);
        return { changed: true, result: undefined };
      }
      if (this.signingKeyOf(keys, algorithm, now.getTime() + SIGNING_LOOKAHEAD_MS) !== undefined)
        return { changed: false, result: undefined };
      const activatesAt = signing?.retiredAt ?? now;
      const sameAlgorithm = keys.filter((key) => key.algorithm === algorithm && (key.retiredAt === null || key.retiredAt > activatesAt));
      const kid = await this.create(change, algorithm, activatesAt, sameAlgorithm);
      await change.retire(
        otherAlgorithms.map((key) => key.kid),
        grace,
      );
      this.logger.log(`Made ${algorithm} signing key ${kid}, signing from ${activatesAt.toISOString()}`);
      return { changed: true, result: undefined };
    });
  }

  /**
   * `gatehouse keys rotate`: a new key, published at once and signing after twice the JWKS
   * max-age (`immediately`: at once); every other key retires when it activates.
   */
  rotate(immediately: boolean, now = new Date()): Promise<KeyListing> {
    const algorithm = this.security.signingAlgorithm;
    if (algorithm === 'HS256') return Promise.reject(new SecretRotationIsByConfiguration());
    return this.repository.change(async (change) => {
      const activatesAt = immediately ? now : new Date(now.getTime() + ACTIVATION_DELAY_MS);
      const sameAlgorithm = (await change.list()).filter(
        (key) => key.algorithm === algorithm && (key.retiredAt === null || key.retiredAt > activatesAt),
      );
      const kid = await this.create(change, algorithm, activatesAt, sameAlgorithm);
      const listing: KeyListing = { kid, algorithm, state: immediately ? 'current' : 'next', created: now };
      if (!immediately) listing.activates = activatesAt;
      return { changed: true, result: listing };
    });
  }

  /**
   * Run every minute or so by each instance: deletes the keys whose tokens have all expired and,
   * when `JWT_KEY_ROTATION_DAYS` have passed since the signing key activated (and no newer key
   * is waiting), rotates.
   */
  maintain(now = new Date()): Promise<void> {
    return this.repository.change(async (change) => {
      const keys = await change.list();
      const expired = keys.filter((key) => !publishedAt(this.times(key), now.getTime(), this.security.accessTokenExpiration));
      await change.delete(expired.map((key) => key.kid));
      let changed = expired.length > 0;
      const algorithm = this.security.signingAlgorithm;
      const days = this.security.keyRotationDays;
      if (algorithm !== 'HS256' && days > 0) {
        const signing = this.signingKeyOf(keys, algorithm, now.getTime());
        const waiting = keys.some((key) => key.algorithm === algorithm && key.activatesAt > now && key.retiredAt === null);
        if (signing !== undefined && !waiting && now.getTime() - signing.activatesAt.getTime() >= days * 86_400_000) {
          const activatesAt = new Date(now.getTime() + ACTIVATION_DELAY_MS);
          const kid = await this.create(change, algorithm, activatesAt, [signing]);
          this.logger.log(`Rotated the signing key after ${days} days: ${kid} signs from ${activatesAt.toISOString()}`);
          changed = true;
        }
      }
      return { changed, result: undefined };
    });
  }

  /** `gatehouse keys list`: every stored key with its state, oldest first. */
  async list(now = new Date()): Promise<KeyListing[]> {
    const keys = await this.repository.list();
    const signing = this.signingKeyOf(keys, this.security.signingAlgorithm, now.getTime());
    return keys
      .filter((key) => publishedAt(this.times(key), now.getTime(), this.security.accessTokenExpiration))
      .map((key) => {
        const listing: KeyListing = { kid: key.kid, algorithm: key.algorithm, state: 'retiring', created: key.createdAt };
        if (key === signing) listing.state = 'current';
        else if (key.activatesAt > now && (key.retiredAt === null || key.retiredAt > key.activatesAt)) listing.state = 'next';
        if (listing.state === 'next') listing.activates = key.activatesAt;
        if (key.retiredAt !== null)
          listing.expires = new Date(publishedUntil(key.retiredAt.getTime(), this.security.accessTokenExpiration));
        return listing;
      });
  }

  /** Makes a key that signs from `activatesAt`, and retires `others` (the algorithm's keys still signing or waiting) then. */
  private async create(
    change: SigningKeysChange,
    algorithm: AsymmetricAlgorithm,
    activatesAt: Date,
    others: readonly StoredSigningKey[],
  ): Promise<string> {
    const { publicKey, privateKey } = await generateSigningKeyPair(algorithm);
    const publicJwk = publicJwkOf(publicKey);
    const kid = await keyIdOf(publicJwk);
    await change.retire(
      others.map((key) => key.kid),
      activatesAt,
    );
    await change.insert({ kid, algorithm, publicJwk, sealedPrivateKey: this.seal.seal(privateKey, kid), activatesAt, retiredAt: null });
    return kid;
  }

  /** The stored key that signs at `now` among those this instance can open. */
  private signingKeyOf(keys: readonly StoredSigningKey[], algorithm: string, now: number): StoredSigningKey | undefined {
    const candidates = keys.map((key) => ({
      ...this.times(key),
      algorithm: key.algorithm,
      stored: key,
      privateKey: this.seal.open(key.sealedPrivateKey, key.kid),
    }));
    return signingKeyAt(candidates, algorithm, now)?.stored;
  }

  private times(key: StoredSigningKey): { activatesAt: number; retiredAt: number | null } {
    return { activatesAt: key.activatesAt.getTime(), retiredAt: key.retiredAt?.getTime() ?? null };
  }
}
