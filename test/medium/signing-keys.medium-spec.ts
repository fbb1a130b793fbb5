import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type Environment, loadGatehouseConfigOrThrow } from '@app/config';
import { connectDataSource, dataSourceOptions } from '@app/database';
import { ACTIVATION_DELAY_MS, SigningKeyRotation } from '@app/auth';
import { SigningKeySeal } from '../../libs/auth/src/tokens/keys/signing-key-seal.js';
import { SigningKeys } from '../../libs/auth/src/tokens/keys/signing-keys.js';
import { SigningKeysRepository } from '../../libs/auth/src/tokens/keys/signing-keys.repository.js';
import { useOwnDatabase } from '../support/own-database.js';

// The life of the asymmetric signing keys (SigningKeyRotation) on the real PostgreSQL, in a
// database of this file's own: what every instance shares through the signing_keys table.
const database = useOwnDatabase('keys_medium');
const SECRET = 'medium-test-signing-secret-0123456789abcdef';
const DAY = 86_400_000;
let dataSource: DataSource;

beforeAll(async () => {
  Logger.overrideLogger(false);
  dataSource = await connectDataSource(dataSourceOptions(database.url));
});
afterAll(() => dataSource.destroy());
beforeEach(() => dataSource.query('DELETE FROM signing_keys'));

/** An instance's view: its configuration, its rotation service and its loaded key ring. */
function instance(env: Environment = {}) {
  const { security } = loadGatehouseConfigOrThrow({
    PLATFORM_ENV: 'dev',
    PLATFORM_JWT_SECRET: SECRET,
    JWT_SIGNING_ALGORITHM: 'ES256',
    JWT_ACCESS_TOKEN_EXPIRATION: '3600',
    ...env,
  });
  const repository = new SigningKeysRepository(dataSource);
  const seal = new SigningKeySeal(security);
  const keys = new SigningKeys(security, seal);
  return {
    rotation: new SigningKeyRotation(repository, seal, security),
    keys,
    /** Loads the keys as SigningKeysSync does, and answers the kid that signs at `at`. */
    async signerAt(at = Date.now()): Promise<string> {
      keys.use(await repository.list());
      return keys.accessSigner(at).kid;
    },
  };
}

describe('SigningKeyRotation', () => {
  it('makes one key that signs at once on a first start, however many instances start together', async () => {
    const instances = [1, 2, 3, 4].map(() => instance());
    await Promise.all(instances.map((one) => one.rotation.ensureSigningKey()));
    const listed = await instances[0].rotation.list();
    expect(listed).toEqual([expect.objectContaining({ algorithm: 'ES256', state: 'current' })]);
    expect(await instances[1].signerAt()).toBe(listed[0].kid);
    // A second start changes nothing.
    await instances[0].rotation.ensureSigningKey();
    expect(await instances[0].rotation.list()).toHaveLength(1);
  });

  it('rotate: the new key is published at once and signs after twice the JWKS max-age; the old one retires then', async () => {
    const one = instance();
    await one.rotation.ensureSigningKey();
    const old = await one.signerAt();
    const made = await one.rotation.rotate(false);
    expect(made.state).toBe('next');
    expect(await one.signerAt()).toBe(old);
    expect(one.keys.jwks().map((key) => key.kid)).toEqual([old, made.kid]);
    expect(await one.signerAt(made.activates!.getTime() + 1)).toBe(made.kid);
    const listed = await one.rotation.list();
    expect(listed.map((key) => [key.kid, key.state])).toEqual([
      [old, 'current'],
      [made.kid, 'next'],
    ]);
    // Published until the last token it signs (up to its retirement) has expired: retirement + lifetime + skew.
    expect(listed[0].expires!.getTime()).toBe(made.activates!.getTime() + (3600 + 30) * 1000);
  });

  it('rotate --now: signs at once; the key that was waiting never signs', async () => {
    const one = instance();
    await one.rotation.ensureSigningKey();
    const waiting = await one.rotation.rotate(false);
    const now = await one.rotation.rotate(true);
    expect(await one.signerAt()).toBe(now.kid);
    expect(await one.signerAt(waiting.activates!.getTime() + 1)).toBe(now.kid);
    expect((await one.rotation.list()).find((key) => key.kid === waiting.kid)?.state).toBe('retiring');
  });

  it('upkeep: rotates after JWT_KEY_ROTATION_DAYS (once), and deletes keys whose tokens have all expired', async () => {
    const one = instance({ JWT_KEY_ROTATION_DAYS: '30' });
    await one.rotation.ensureSigningKey();
    const first = await one.signerAt();
    await one.rotation.maintain(new Date(Date.now() + 29 * DAY));
    expect(await one.rotation.list()).toHaveLength(1);

    const later = new Date(Date.now() + 30 * DAY);
    await one.rotation.maintain(later);
    await one.rotation.maintain(later);
    const listed = await one.rotation.list(later);
    expect(listed.map((key) => key.state)).toEqual(['current', 'next']);
    const second = listed[1];
    expect(second.activates!.getTime()).toBe(later.getTime() + ACTIVATION_DELAY_MS);

    // An hour (the access lifetime) and the skew after the second key took over, the first is gone.
    const gone = new Date(second.activates!.getTime() + (3600 + 31) * 1000);
    await one.rotation.maintain(gone);
    expect((await one.rotation.list(gone)).map((key) => key.kid)).toEqual([second.kid]);
    expect(first).not.toBe(second.kid);
  });

  it('JWT_KEY_ROTATION_DAYS=0 never rotates by itself', async () => {
    const one = instance({ JWT_KEY_ROTATION_DAYS: '0' });
    await one.rotation.ensureSigningKey();
    await one.rotation.maintain(new Date(Date.now() + 3650 * DAY));
    expect(await one.rotation.list()).toHaveLength(1);
  });

  it('a change of algorithm: a key of the new one signs at once; the old one keeps signing for the instances not yet changed, then retires', async () => {
    const es = instance();
    await es.rotation.ensureSigningKey();
    const esKid = await es.signerAt();
    const rs = instance({ JWT_SIGNING_ALGORITHM: 'RS256' });
    await rs.rotation.ensureSigningKey();
    const rsKid = await rs.signerAt();
    expect(rsKid).not.toBe(esKid);
    // The ES256 instance still signs with its key, which retires after the activation delay...
    expect(await es.signerAt()).toBe(esKid);
    const listed = await rs.rotation.list();
    expect(listed.map((key) => [key.algorithm, key.state])).toEqual([
      ['ES256', 'retiring'],
      ['RS256', 'current'],
    ]);
    // ...and, if it still runs near then, its upkeep makes it a successor first.
    const nearRetirement = new Date(Date.now() + ACTIVATION_DELAY_MS - 60_000);
    await es.rotation.ensureSigningKey(nearRetirement);
    const successor = await es.signerAt(Date.now() + ACTIVATION_DELAY_MS + 1000);
    expect(successor).not.toBe(esKid);
  });

  it('HS256 mode retires the asymmetric keys (after the delay), which stay published until their tokens expire', async () => {
    const es = instance();
    await es.rotation.ensureSigningKey();
    const esKid = await es.signerAt();
    const hs = instance({ JWT_SIGNING_ALGORITHM: 'HS256' });
    await hs.rotation.ensureSigningKey();
    const listed = await hs.rotation.list();
    expect(listed).toEqual([expect.objectContaining({ kid: esKid, state: 'retiring' })]);
    hs.keys.use(await new SigningKeysRepository(dataSource).list());
    expect(hs.keys.jwks().map((key) => key.kid)).toEqual([esKid]);
    const afterTokens = Date.now() + ACTIVATION_DELAY_MS + (3600 + 31) * 1000;
    expect(hs.keys.jwks(afterTokens)).toEqual([]);
  });

  it('a key no configured secret opens is replaced at start-up; with the old secret as a previous one, it keeps signing', async () => {
    const old = instance({ PLATFORM_JWT_SECRET: 'the-previous-signing-secret-0123456789abcdef' });
    await old.rotation.ensureSigningKey();
    const oldKid = await old.signerAt();

    const kept = instance({ PLATFORM_JWT_PREVIOUS_SECRETS: 'the-previous-signing-secret-0123456789abcdef' });
    await kept.rotation.ensureSigningKey();
    expect(await kept.signerAt()).toBe(oldKid);

    const lost = instance();
    await lost.rotation.ensureSigningKey();
    const replacement = await lost.signerAt();
    expect(replacement).not.toBe(oldKid);
    expect(lost.keys.verificationKey(oldKid)).toBeDefined();
  });

  it('refuses to rotate in HS256 mode, saying how the secret is rotated', async () => {
    await expect(instance({ JWT_SIGNING_ALGORITHM: 'HS256' }).rotation.rotate(true)).rejects.toThrow(/PLATFORM_JWT_PREVIOUS_SECRETS/);
  });
});
