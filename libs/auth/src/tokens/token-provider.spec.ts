import { Logger } from '@nestjs/common';
import { jwtVerify } from 'jose';
import { randomUUID } from 'node:crypto';
import { tokenStack } from '../testing/token-stack.js';
import { TokenIssuanceDisabled } from './token-provider.js';

const SECRET = 'unit-test-secret-of-sufficient-length-0123';
const subject = { userId: randomUUID(), sessionId: randomUUID(), audiences: ['web', 'api'] as const };

describe('TokenProvider', () => {
  const { tokens, security } = tokenStack({ PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'unit', JWT_ACCESS_TOKEN_EXPIRATION: '300' });

  it('issues access tokens with every claim and header, verifiable by another library', async () => {
    const issued = tokens.issueAccessToken(subject);
    expect(issued.expiresIn).toBe(300);
    const { payload, protectedHeader } = await jwtVerify(issued.token, security.signingKey, { algorithms: ['HS256'] });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: security.secretFingerprint });
    expect(payload).toMatchObject({ iss: 'unit', aud: ['web', 'api'], sub: subject.userId, sid: subject.sessionId });
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(typeof payload.jti).toBe('string');
  });

  it('gives every token its own jti', () => {
    const [a, b] = [tokens.issueAccessToken(subject).token, tokens.issueAccessToken(subject).token];
    expect(a).not.toBe(b);
  });

  it('verifies refresh tokens, and never an access token as one', () => {
    const refresh = tokens.issueRefreshToken(subject).token;
    expect(tokens.verifyRefreshToken(refresh)).toMatchObject({ sub: subject.userId, sid: subject.sessionId });
    expect(tokens.verifyRefreshToken(tokens.issueAccessToken(subject).token)).toBe('invalid');
    expect(tokens.verifyRefreshToken(`${refresh.slice(0, -3)}AAA`)).toBe('invalid');
    expect(tokens.verifyRefreshToken('not.a.token')).toBe('invalid');
  });
});

describe('TokenProvider outside dev with the built-in secret', () => {
  const { tokens, verifier } = tokenStack({ JWT_ISSUER: 'unit' });
  beforeAll(() => Logger.overrideLogger(false));

  it('refuses to issue (503)', () => {
    expect(() => tokens.issueAccessToken(subject)).toThrow(TokenIssuanceDisabled);
    expect(() => tokens.issueRefreshToken(subject)).toThrow(TokenIssuanceDisabled);
  });

  it('accepts no token, even one the same secret signed in dev', async () => {
    const dev = tokenStack({ PLATFORM_ENV: 'dev', JWT_ISSUER: 'unit' });
    expect(await verifier.verify(dev.tokens.issueAccessToken(subject).token)).toBe('invalid');
    expect(tokens.verifyRefreshToken(dev.tokens.issueRefreshToken(subject).token)).toBe('invalid');
  });
});
