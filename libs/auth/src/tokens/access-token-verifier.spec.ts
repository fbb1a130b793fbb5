import { jest } from '@jest/globals';
import { errors, jwtVerify, SignJWT } from 'jose';
import { createHmac, createSecretKey, randomUUID } from 'node:crypto';
import { tokenStack } from '../testing/token-stack.js';
import { VERIFIED_TOKEN_CACHE_SIZE } from './access-token-verifier.js';
import { CLOCK_SKEW_SECONDS, LIFETIME_LEEWAY_SECONDS } from './token-claims.js';

const SECRET = 'unit-test-secret-of-sufficient-length-0123';
const KEY = createSecretKey(Buffer.from(SECRET));
const subject = { userId: randomUUID(), sessionId: randomUUID(), audiences: ['web', 'api'] as const };

/** JWT_ACCESS_TOKEN_EXPIRATION of the stack under test. */
const ACCESS_LIFETIME = 300;

/**
 * What an independent JWT library (jose) says of a token, with Gatehouse's rules: HS256 only,
 * `typ: at+jwt`, the issuer, 30 s of leeway, every claim present, and a lifetime no longer than
 * the configured one (plus leeway). jose also refuses a `crit` header naming an extension it
 * does not know (RFC 7515 section 4.1.11).
 */
async function referenceVerdict(token: string): Promise<'valid' | 'expired' | 'issuer' | 'invalid'> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, KEY, {
      algorithms: ['HS256'],
      typ: 'at+jwt',
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['iss', 'aud', 'sub', 'sid', 'jti', 'iat', 'exp'],
    });
    if (protectedHeader.kid !== stack.security.secretFingerprint) return 'invalid';
    const audiences = payload.aud;
    if (!Array.isArray(audiences) || audiences.length === 0 || !audiences.every((a) => ['web', 'api', 'a2a', 'mcp'].includes(a)))
      return 'invalid';
    if (typeof payload.iat !== 'number' || payload.iat > Date.now() / 1000 + CLOCK_SKEW_SECONDS) return 'invalid';
    if (payload.iss !== 'unit') return 'issuer';
    return payload.exp! - payload.iat > ACCESS_LIFETIME + LIFETIME_LEEWAY_SECONDS ? 'expired' : 'valid';
  } catch (error) {
    return error instanceof errors.JWTExpired ? 'expired' : 'invalid';
  }
}

const stack = tokenStack({ PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'unit', JWT_ACCESS_TOKEN_EXPIRATION: String(ACCESS_LIFETIME) });
const now = () => Math.floor(Date.now() / 1000);

/** A token signed by jose, with Gatehouse's header and claims unless changed. */
function forge(claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, key = KEY): Promise<string> {
  const base = { iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: randomUUID(), iat: now() - 10, exp: now() + 100 };
  return new SignJWT({ ...base, ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: stack.security.secretFingerprint, ...header })
    .sign(key);
}

/** A token with a header jose refuses to sign (it validates `crit`), signed by hand with Node's HMAC. */
function signByHand(header: Record<string, unknown>): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = { iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: randomUUID(), iat: now() - 10, exp: now() + 100 };
  const input = `${encode({ alg: 'HS256', typ: 'at+jwt', kid: stack.security.secretFingerprint, ...header })}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', KEY).update(input).digest('base64url')}`;
}

describe('AccessTokenVerifier against an independent JWT library', () => {
  const cases: [string, () => Promise<string>][] = [
    ['a token Gatehouse issued', () => Promise.resolve(stack.tokens.issueAccessToken(subject).token)],
    ['a token jose signed with the same key and claims', () => forge()],
    ['an expired token', () => forge({ exp: now() - CLOCK_SKEW_SECONDS - 5 })],
    ['a token expired within the leeway', () => forge({ exp: now() - 5 })],
    ['a token from another issuer', () => forge({ iss: 'elsewhere' })],
    ['a refresh token', () => Promise.resolve(stack.tokens.issueRefreshToken(subject).token)],
    ['a token without typ', () => forge({}, { typ: undefined })],
    ['a token signed with another key', () => forge({}, {}, createSecretKey(Buffer.from(`${SECRET}-other`)))],
    ['a token with an unknown kid', () => forge({}, { kid: 'unknown' })],
    ['a token without a session id', () => forge({ sid: undefined })],
    ['a token with an empty audience list', () => forge({ aud: [] })],
    ['a token with an unknown audience', () => forge({ aud: ['admin'] })],
    ['a token with a string audience', () => forge({ aud: 'web' })],
    ['a token issued in the future', () => forge({ iat: now() + 120 })],
    ['a token not valid before a time to come', () => forge({ nbf: now() + 120 })],
    ['a token that lives longer than the configured lifetime allows', () => forge({ iat: now() - 10, exp: now() + ACCESS_LIFETIME })],
    ['a token that lives as long as the lifetime leeway allows', () => forge({ iat: now() - 10, exp: now() - 10 + ACCESS_LIFETIME + 30 })],
    [
      'a token whose crit header names an unknown extension',
      () => Promise.resolve(signByHand({ crit: ['urn:example:unknown'], 'urn:example:unknown': 1 })),
    ],
    ['a token with an empty crit header', () => Promise.resolve(signByHand({ crit: [] }))],
    ['a token signed by hand with a plain header', () => Promise.resolve(signByHand({}))],
    ['a tampered token', () => Promise.resolve(`${stack.tokens.issueAccessToken(subject).token.slice(0, -3)}AAA`)],
  ];

  it.each(cases)('agrees on %s', async (_name, make) => {
    const token = await make();
    const reference = await referenceVerdict(token);
    const outcome = await stack.verifier.verify(token);
    expect(typeof outcome === 'string' ? outcome : 'valid').toBe(reference);
  });

  it('refuses an unsigned (alg none) or HS512 token that carries valid claims', async () => {
    const [header, payload] = stack.tokens.issueAccessToken(subject).token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: stack.security.secretFingerprint })).toString('base64url')}.${payload}.`;
    expect(header).toBeDefined();
    expect(await stack.verifier.verify(none)).toBe('invalid');
    const hs512 = await new SignJWT({ iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: 'j', iat: now(), exp: now() + 60 })
      .setProtectedHeader({ alg: 'HS512', typ: 'at+jwt', kid: stack.security.secretFingerprint })
      .sign(KEY);
    expect(await stack.verifier.verify(hs512)).toBe('invalid');
  });

  it('refuses a signature in any but its canonical base64url form, or cut short', async () => {
    const token = stack.tokens.issueAccessToken(subject).token;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last of 43 characters carries 2 unused bits: flipping one keeps the same bytes.
    const sameBytes = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]}`;
    expect(Buffer.from(sameBytes.split('.')[2], 'base64url')).toEqual(Buffer.from(token.split('.')[2], 'base64url'));
    expect(await stack.verifier.verify(sameBytes)).toBe('invalid');
    expect(await stack.verifier.verify(`${token}A`)).toBe('invalid');
    expect(await stack.verifier.verify(token.slice(0, -1))).toBe('invalid');
  });
});

describe('AccessTokenVerifier’s cache of verified tokens', () => {
  const cache = tokenStack({ PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'unit', JWT_ACCESS_TOKEN_EXPIRATION: '60' });
  afterEach(() => jest.useRealTimers());

  it('answers a token verified before from the cache, without running the strategy again', async () => {
    const token = cache.tokens.issueAccessToken(subject).token;
    expect(cache.verifier.cached(token)).toBeUndefined();
    const claims = await cache.verifier.verify(token);
    expect(cache.verifier.cached(token)).toBe(claims);
    expect(await cache.verifier.verify(token)).toBe(claims);
  });

  it('still refuses a cached token once it expires, with the same leeway as a fresh verification', async () => {
    jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const token = cache.tokens.issueAccessToken(subject).token;
    await cache.verifier.verify(token);
    jest.advanceTimersByTime((60 + CLOCK_SKEW_SECONDS - 1) * 1000);
    expect(cache.verifier.cached(token)).toMatchObject({ sid: subject.sessionId });
    jest.advanceTimersByTime(2000);
    expect(cache.verifier.cached(token)).toBe('expired');
    // And the same once it has left the cache.
    expect(await cache.verifier.verify(token)).toBe('expired');
  });

  it('keeps at most VERIFIED_TOKEN_CACHE_SIZE tokens, dropping the oldest, and still verifies dropped ones', async () => {
    const first = cache.tokens.issueAccessToken(subject).token;
    const claims = await cache.verifier.verify(first);
    for (let i = 0; i < VERIFIED_TOKEN_CACHE_SIZE; i++) await cache.verifier.verify(cache.tokens.issueAccessToken(subject).token);
    expect(cache.verifier.cached(first)).toBeUndefined();
    const again = await cache.verifier.verify(first);
    expect(again).toEqual(claims);
    expect(again).not.toBe(claims);
  });

  it('never caches a refused token', async () => {
    const tampered = `${cache.tokens.issueAccessToken(subject).token.slice(0, -2)}AA`;
    expect(await cache.verifier.verify(tampered)).toBe('invalid');
    expect(cache.verifier.cached(tampered)).toBeUndefined();
  });
});
