import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, jwtVerify, SignJWT } from 'jose';
import { createSecretKey, randomUUID } from 'node:crypto';
import { storedKey, tokenStack } from '../../testing/token-stack.js';
import { TokenIssuanceDisabled } from '../token-provider.js';
import type { AsymmetricAlgorithm } from './signing-key-material.js';
import { SigningKeySeal } from './signing-key-seal.js';
import { SigningKeyUnavailable, UNKNOWN_KID_RELOAD_INTERVAL_MS } from './signing-keys.js';

const SECRET = 'unit-test-secret-of-sufficient-length-0123';
const OLD_SECRET = 'unit-test-previous-secret-of-sufficient-length';
const subject = { userId: randomUUID(), sessionId: randomUUID(), audiences: ['web', 'mcp'] as const };
const ALGORITHMS: AsymmetricAlgorithm[] = ['RS256', 'ES256', 'EdDSA'];

function stackFor(algorithm: string, extra: Record<string, string> = {}) {
  return tokenStack({ PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'unit', JWT_SIGNING_ALGORITHM: algorithm, ...extra });
}

beforeAll(() => Logger.overrideLogger(false));

describe.each(ALGORITHMS)('access tokens signed %s', (algorithm) => {
  const stack = stackFor(algorithm);
  let kid: string;
  beforeAll(async () => {
    const key = await storedKey(stack, algorithm);
    kid = key.kid;
    stack.keys.use([key]);
  });

  it('verify with nothing but the published keys (jose, from the JWKS)', async () => {
    const jwks = stack.keys.jwks();
    expect(jwks).toEqual([expect.objectContaining({ kid, alg: algorithm, use: 'sig' })]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|"p"|"q"|"dp"|"dq"|"qi"/);
    const { token } = stack.tokens.issueAccessToken(subject);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: jwks }), {
      issuer: 'unit',
      audience: 'mcp',
      typ: 'at+jwt',
      algorithms: [algorithm],
    });
    expect(protectedHeader).toEqual({ alg: algorithm, typ: 'at+jwt', kid });
    expect(payload).toMatchObject({ sub: subject.userId, sid: subject.sessionId, aud: ['web', 'mcp'] });
  });

  it('are accepted by the verifier', async () => {
    const { token } = stack.tokens.issueAccessToken(subject);
    expect(await stack.verifier.verify(token)).toMatchObject({ sub: subject.userId, sid: subject.sessionId });
  });

  it('leave refresh tokens HS256 with the secret: never verifiable with the published keys', async () => {
    const { token } = stack.tokens.issueRefreshToken(subject);
    await expect(jwtVerify(token, createLocalJWKSet({ keys: stack.keys.jwks() }))).rejects.toThrow(errors.JOSEError);
    expect(stack.tokens.verifyRefreshToken(token)).toMatchObject({ sid: subject.sessionId });
    expect(await stack.verifier.verify(token)).toBe('invalid');
  });

  it('refuse a token whose alg is not its key’s (the public key used as an HMAC secret)', async () => {
    const publicPem = stack.keys.verificationKey(kid)!.key.export({ format: 'pem', type: 'spki' });
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: randomUUID(), iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
      .sign(createSecretKey(Buffer.from(publicPem)));
    expect(await stack.verifier.verify(forged)).toBe('invalid');
  });

  it('refuse a token signed by another key under a known kid, and an expired one as expired', async () => {
    const other = await storedKey(stack, algorithm);
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: randomUUID(), iat: now, exp: now + 60 };
    const alg = algorithm;
    const forged = await new SignJWT(claims).setProtectedHeader({ alg, typ: 'at+jwt', kid }).sign(other.privateKey);
    expect(await stack.verifier.verify(forged)).toBe('invalid');
    const ownKey = await storedKey(stack, algorithm);
    stack.keys.use([{ ...ownKey }]);
    const expired = await new SignJWT({ ...claims, iat: now - 200, exp: now - 100 })
      .setProtectedHeader({ alg, typ: 'at+jwt', kid: ownKey.kid })
      .sign(ownKey.privateKey);
    expect(await stack.verifier.verify(expired)).toBe('expired');
    const otherIssuer = await new SignJWT({ ...claims, iss: 'elsewhere' })
      .setProtectedHeader({ alg, typ: 'at+jwt', kid: ownKey.kid })
      .sign(ownKey.privateKey);
    expect(await stack.verifier.verify(otherIssuer)).toBe('issuer');
  });
});

describe('the signing key in an asymmetric mode', () => {
  it('is the latest activated, not retired; a next key is published before it signs', async () => {
    const stack = stackFor('ES256');
    const current = await storedKey(stack, 'ES256', {
      activatesAt: new Date(Date.now() - 60_000),
      retiredAt: new Date(Date.now() + 600_000),
    });
    const next = await storedKey(stack, 'ES256', { activatesAt: new Date(Date.now() + 600_000) });
    stack.keys.use([current, next]);
    expect(stack.keys.jwks().map((key) => key.kid)).toEqual([current.kid, next.kid]);
    expect(stack.keys.accessSigner().kid).toBe(current.kid);
    expect(stack.keys.accessSigner(Date.now() + 600_001).kid).toBe(next.kid);
  });

  it('stays published until the last access token it signed has expired, then is not', async () => {
    const stack = stackFor('ES256', { JWT_ACCESS_TOKEN_EXPIRATION: '600' });
    const retired = await storedKey(stack, 'ES256', {
      activatesAt: new Date(Date.now() - 3_600_000),
      retiredAt: new Date(Date.now() - 600_000),
    });
    const current = await storedKey(stack, 'ES256', { activatesAt: new Date(Date.now() - 600_000) });
    stack.keys.use([retired, current]);
    expect(stack.keys.jwks().map((key) => key.kid)).toEqual([retired.kid, current.kid]);
    expect(stack.keys.jwks(Date.now() + 31_000).map((key) => key.kid)).toEqual([current.kid]);
  });

  it('answers 503 (not a token signed by nothing) while no key is loaded', () => {
    const stack = stackFor('EdDSA');
    expect(() => stack.tokens.issueAccessToken(subject)).toThrow(SigningKeyUnavailable);
  });

  it('never signs with a key no configured secret opens, but still verifies its tokens', async () => {
    const before = stackFor('ES256', { PLATFORM_JWT_SECRET: OLD_SECRET });
    const key = await storedKey(before, 'ES256');
    before.keys.use([key]);
    const token = before.tokens.issueAccessToken(subject).token;

    const after = stackFor('ES256');
    after.keys.use([key]);
    expect(() => after.tokens.issueAccessToken(subject)).toThrow(SigningKeyUnavailable);
    expect(await after.verifier.verify(token)).toMatchObject({ sub: subject.userId });

    const withPrevious = stackFor('ES256', { PLATFORM_JWT_PREVIOUS_SECRETS: OLD_SECRET });
    withPrevious.keys.use([key]);
    expect(withPrevious.keys.accessSigner().kid).toBe(key.kid);
  });
});

describe('a key sealed under the public built-in secret (made in dev)', () => {
  it('is neither used nor published outside dev, where anyone with the database could open it', async () => {
    const dev = tokenStack({ PLATFORM_ENV: 'dev', JWT_ISSUER: 'unit', JWT_SIGNING_ALGORITHM: 'ES256' });
    const leaked = await storedKey(dev, 'ES256');
    dev.keys.use([leaked]);
    const forged = dev.tokens.issueAccessToken(subject).token;

    const production = stackFor('ES256');
    production.keys.use([leaked]);
    expect(production.keys.jwks()).toEqual([]);
    expect(await production.verifier.verify(forged)).toBe('invalid');
    // In dev it is simply the dev key.
    const otherDev = tokenStack({ PLATFORM_ENV: 'dev', JWT_ISSUER: 'unit', JWT_SIGNING_ALGORITHM: 'ES256' });
    otherDev.keys.use([leaked]);
    expect(otherDev.keys.jwks()).toHaveLength(1);
  });
});

describe('HS256 access tokens in an asymmetric mode', () => {
  it('count when signed before the first key of the algorithm took over (and its grace), not after', async () => {
    const stack = stackFor('ES256');
    const hour = 3_600_000;
    stack.keys.use([await storedKey(stack, 'ES256', { activatesAt: new Date(Date.now() - 2 * hour) })]);
    const now = Math.floor(Date.now() / 1000);
    const sign = (iat: number) =>
      new SignJWT({ iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: randomUUID(), iat, exp: iat + 3 * 3600 })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: stack.security.secretFingerprint })
        .sign(stack.security.signingKey);
    expect(await stack.verifier.verify(await sign(now - 3 * 3600 + 60))).toMatchObject({ sub: 'u' });
    expect(await stack.verifier.verify(await sign(now - 2 * 3600 + 5 * 60))).toMatchObject({ sub: 'u' });
    expect(await stack.verifier.verify(await sign(now - 3600))).toBe('invalid');
    expect(await stack.verifier.verify(await sign(now))).toBe('invalid');
    // A rotation continues the run: the cut-off stays at the run's first key.
    const rotatedAt = new Date(Date.now() - hour);
    const first = await storedKey(stack, 'ES256', { activatesAt: new Date(Date.now() - 2 * hour), retiredAt: rotatedAt });
    const second = await storedKey(stack, 'ES256', { activatesAt: rotatedAt });
    stack.keys.use([first, second]);
    expect(await stack.verifier.verify(await sign(now - 2 * 3600 + 4 * 60))).toMatchObject({ sub: 'u' });
    expect(await stack.verifier.verify(await sign(now - 3600 + 60))).toBe('invalid');
    // A new run (back to ES256 after HS256): HS256 tokens of the time between count.
    const rerun = await storedKey(stack, 'ES256', { activatesAt: new Date(Date.now() - 60_000) });
    stack.keys.use([first, rerun]);
    expect(await stack.verifier.verify(await sign(now - 1800))).toMatchObject({ sub: 'u' });
    // Refresh tokens stay HS256 with the secret.
    expect(stack.tokens.verifyRefreshToken(stack.tokens.issueRefreshToken(subject).token)).toMatchObject({ sid: subject.sessionId });
  });
});

describe('SigningKeySeal', () => {
  const stack = stackFor('ES256');
  it('opens only under the same key id and a configured secret', async () => {
    const key = await storedKey(stack, 'ES256');
    const seal = new SigningKeySeal(stack.security);
    expect(seal.open(key.sealedPrivateKey, key.kid)?.equals(key.privateKey)).toBe(true);
    expect(seal.open(key.sealedPrivateKey, 'another-kid')).toBeNull();
    expect(
      new SigningKeySeal(stackFor('ES256', { PLATFORM_JWT_SECRET: OLD_SECRET }).security).open(key.sealedPrivateKey, key.kid),
    ).toBeNull();
    expect(seal.open(Buffer.alloc(10), key.kid)).toBeNull();
  });
});

describe('HS256 rotation with PLATFORM_JWT_PREVIOUS_SECRETS', () => {
  const before = stackFor('HS256', { PLATFORM_JWT_SECRET: OLD_SECRET });
  const access = before.tokens.issueAccessToken(subject).token;
  const refresh = before.tokens.issueRefreshToken(subject).token;

  it('keeps the old secret’s access and refresh tokens verifying; new tokens use the new secret', async () => {
    const after = stackFor('HS256', { PLATFORM_JWT_PREVIOUS_SECRETS: OLD_SECRET });
    expect(await after.verifier.verify(access)).toMatchObject({ sub: subject.userId });
    expect(after.tokens.verifyRefreshToken(refresh)).toMatchObject({ sid: subject.sessionId });
    const fresh = after.tokens.issueAccessToken(subject).token;
    const { protectedHeader } = await jwtVerify(fresh, after.security.signingKey);
    expect(protectedHeader.kid).toBe(after.security.secretFingerprint);
  });

  it('refuses them once the old secret is dropped', async () => {
    const dropped = stackFor('HS256');
    expect(await dropped.verifier.verify(access)).toBe('invalid');
    expect(dropped.tokens.verifyRefreshToken(refresh)).toBe('invalid');
  });

  it('keeps HS256 tokens verifying after a switch to an asymmetric algorithm', async () => {
    const switched = stackFor('EdDSA', { PLATFORM_JWT_SECRET: OLD_SECRET });
    switched.keys.use([await storedKey(switched, 'EdDSA')]);
    expect(await switched.verifier.verify(access)).toMatchObject({ sub: subject.userId });
    expect(switched.tokens.verifyRefreshToken(refresh)).toMatchObject({ sid: subject.sessionId });
  });
});

describe.each(['HS256', ...ALGORITHMS])('outside dev with the built-in secret, in %s mode', (algorithm) => {
  it('issues nothing (503) and accepts nothing, not even a token of its own keys', async () => {
    const disabled = tokenStack({ JWT_ISSUER: 'unit', JWT_SIGNING_ALGORITHM: algorithm });
    const dev = tokenStack({ PLATFORM_ENV: 'dev', JWT_ISSUER: 'unit', JWT_SIGNING_ALGORITHM: algorithm });
    if (algorithm !== 'HS256') {
      const key = await storedKey(dev, algorithm as AsymmetricAlgorithm);
      dev.keys.use([key]);
      disabled.keys.use([key]);
    }
    expect(() => disabled.tokens.issueAccessToken(subject)).toThrow(TokenIssuanceDisabled);
    expect(() => disabled.tokens.issueRefreshToken(subject)).toThrow(TokenIssuanceDisabled);
    expect(await disabled.verifier.verify(dev.tokens.issueAccessToken(subject).token)).toBe('invalid');
    expect(disabled.tokens.verifyRefreshToken(dev.tokens.issueRefreshToken(subject).token)).toBe('invalid');
  });
});

describe('a kid this instance does not know', () => {
  it('makes it load the keys again before refusing, once for a burst, at most once a second', async () => {
    const stack = stackFor('ES256');
    const first = await storedKey(stack, 'ES256');
    stack.keys.use([first]);
    const other = stackFor('ES256');
    const made = await storedKey(other, 'ES256');
    other.keys.use([made]);
    const token = other.tokens.issueAccessToken(subject).token;

    const reloads = jest.fn(() => {
      stack.keys.use([first, made]);
      return Promise.resolve();
    });
    stack.keys.reloadWith(reloads);
    const verdicts = await Promise.all([1, 2, 3].map(() => stack.verifier.verify(token)));
    expect(verdicts.map((verdict) => typeof verdict)).toEqual(['object', 'object', 'object']);
    expect(reloads).toHaveBeenCalledTimes(1);

    const unknown = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'no-such-key' }).sign(made.privateKey);
    expect(await stack.verifier.verify(unknown)).toBe('invalid');
    expect(await stack.verifier.verify(unknown)).toBe('invalid');
    // The first unknown kid came within a second of the last load: no new load yet.
    expect(reloads).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setTimeout(resolve, UNKNOWN_KID_RELOAD_INTERVAL_MS + 50));
    expect(await stack.verifier.verify(unknown)).toBe('invalid');
    expect(reloads).toHaveBeenCalledTimes(2);
  });
});
