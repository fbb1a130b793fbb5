import { jest } from '@jest/globals';
import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { type Environment, loadGatehouseConfigOrThrow, type SecurityConfig } from '@app/config';
import { MetricsRegistry } from '@app/metrics';
import { AuthMetrics } from '../auth-metrics.js';
import { CLOCK_SKEW_SECONDS, TokenProvider, TokenRejectedError, VERIFIED_TOKEN_CACHE_SIZE } from './token-provider.js';

const SECRET = 'unit-test-secret-of-sufficient-length-0123';

function provider(env: Environment): { tokens: TokenProvider; security: SecurityConfig } {
  const { security } = loadGatehouseConfigOrThrow(env);
  const metrics = new AuthMetrics(new MetricsRegistry());
  return { tokens: new TokenProvider(new JwtService({ secret: security.signingKey }), security, metrics), security };
}

const subject = { userId: randomUUID(), sessionId: randomUUID(), audiences: ['web', 'api'] as const };

describe('TokenProvider', () => {
  const { tokens } = provider({ PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'unit', JWT_ACCESS_TOKEN_EXPIRATION: '300' });

  it('round-trips an access token with every claim', () => {
    const issued = tokens.issueAccessToken(subject);
    expect(issued.expiresIn).toBe(300);
    const claims = tokens.verifyAccessToken(issued.token);
    expect(claims).toMatchObject({ iss: 'unit', aud: ['web', 'api'], sub: subject.userId, sid: subject.sessionId });
    expect(claims.exp - claims.iat).toBe(300);
  });

  it('keeps the two token types apart', () => {
    const access = tokens.issueAccessToken(subject).token;
    const refresh = tokens.issueRefreshToken(subject).token;
    expect(() => tokens.verifyRefreshToken(access)).toThrow(TokenRejectedError);
    expect(() => tokens.verifyAccessToken(refresh)).toThrow(TokenRejectedError);
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 31 }, 'Token expired'],
    ['another issuer', { iss: 'elsewhere' }, 'Invalid issuer'],
    ['an empty audience list', { aud: [] }, 'Invalid token'],
  ])('rejects a token that is %s', (_name, change, message) => {
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign(
      { iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: 'j', iat: now - 100, exp: now + 100, ...change },
      SECRET,
      { header: { alg: 'HS256', typ: 'at+jwt' } },
    );
    expect(() => tokens.verifyAccessToken(token)).toThrow(message);
  });

  it('tells the guard why a token is refused without throwing', () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: object) =>
      jwt.sign({ iss: 'unit', aud: ['web'], sub: 'u', sid: 's', jti: 'j', iat: now - 100, exp: now + 100, ...claims }, SECRET, {
        header: { alg: 'HS256', typ: 'at+jwt' },
      });
    const valid = tokens.issueAccessToken(subject).token;
    expect(tokens.checkAccessToken(valid)).toMatchObject({ sub: subject.userId, sid: subject.sessionId });
    expect(tokens.checkAccessToken(`${valid.slice(0, -4)}AAAA`)).toBe('invalid');
    expect(tokens.checkAccessToken(sign({ exp: now - 31 }))).toBe('expired');
    expect(tokens.checkAccessToken(sign({ iss: 'elsewhere' }))).toBe('issuer');
    expect(tokens.checkAccessToken(tokens.issueRefreshToken(subject).token)).toBe('invalid');
  });

  it('refuses a signature in any but its canonical base64url form, or cut short', () => {
    const token = tokens.issueAccessToken(subject).token;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last of 43 characters carries 2 unused bits: flipping one keeps the same bytes.
    const sameBytes = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1)!) ^ 1]}`;
    expect(Buffer.from(sameBytes.split('.')[2]!, 'base64url')).toEqual(Buffer.from(token.split('.')[2]!, 'base64url'));
    expect(tokens.checkAccessToken(sameBytes)).toBe('invalid');
    expect(tokens.checkAccessToken(`${token}A`)).toBe('invalid');
    expect(tokens.checkAccessToken(token.slice(0, -1))).toBe('invalid');
  });
});

describe('TokenProvider\'s cache of verified access tokens', () => {
  const { tokens } = provider({ PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'unit', JWT_ACCESS_TOKEN_EXPIRATION: '60' });
  afterEach(() => jest.useRealTimers());

  it('answers a second verification with the same claims', () => {
    const token = tokens.issueAccessToken(subject).token;
    expect(tokens.verifyAccessToken(token)).toBe(tokens.verifyAccessToken(token));
  });

  it('still rejects a cached token once it expires, with the same leeway as a fresh verification', () => {
    jest.useFakeTimers({ now: Date.now() });
    const token = tokens.issueAccessToken(subject).token;
    tokens.verifyAccessToken(token);
    jest.advanceTimersByTime((60 + CLOCK_SKEW_SECONDS - 1) * 1000);
    expect(tokens.verifyAccessToken(token).sid).toBe(subject.sessionId);
    jest.advanceTimersByTime(2000);
    expect(() => tokens.verifyAccessToken(token)).toThrow('Token expired');
    // And the same once it has left the cache.
    expect(() => tokens.verifyAccessToken(token)).toThrow('Token expired');
  });

  it('keeps at most VERIFIED_TOKEN_CACHE_SIZE tokens, dropping the oldest, and still verifies dropped ones', () => {
    const first = tokens.issueAccessToken(subject).token;
    const claims = tokens.verifyAccessToken(first);
    for (let i = 0; i < VERIFIED_TOKEN_CACHE_SIZE; i++) tokens.verifyAccessToken(tokens.issueAccessToken(subject).token);
    const again = tokens.verifyAccessToken(first);
    expect(again).toEqual(claims);
    expect(again).not.toBe(claims);
  });

  it('never caches a rejected token', () => {
    const token = tokens.issueAccessToken(subject).token;
    const tampered = `${token.slice(0, -2)}AA`;
    expect(() => tokens.verifyAccessToken(tampered)).toThrow('Invalid token');
    expect(() => tokens.verifyAccessToken(tampered)).toThrow('Invalid token');
  });
});

describe('TokenProvider outside dev with the built-in secret', () => {
  const { tokens } = provider({ JWT_ISSUER: 'unit' });
  beforeAll(() => Logger.overrideLogger(false));

  it('refuses to issue with a 503', () => {
    expect(() => tokens.issueAccessToken(subject)).toThrow(ServiceUnavailableException);
  });

  it('rejects every token, even one it would otherwise accept', () => {
    const { tokens: devTokens } = provider({ PLATFORM_ENV: 'dev', JWT_ISSUER: 'unit' });
    const token = devTokens.issueAccessToken(subject).token;
    expect(() => tokens.verifyAccessToken(token)).toThrow('Invalid token');
  });
});
