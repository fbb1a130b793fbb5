import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { RunningPlatform } from '@app/server';
import {
  decode,
  forge,
  json,
  login,
  PASSWORD,
  registerUser,
  request,
  signIn,
  TEST_ISSUER,
  TEST_SECRET,
  uniqueEmail,
  withClaims,
} from './support/auth-client.js';
import { startTestPlatform, useTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';

const CHALLENGE = 'Bearer realm="gatehouse"';
const invalidToken = (description: string) => `${CHALLENGE}, error="invalid_token", error_description="${description}"`;

const LOGIN_PASSWORD_TOO_LONG =
  "password must be at most 72 bytes long (72 bytes is bcrypt's limit; non-ASCII characters take several bytes)";

const platform = useTestPlatform();

/** A GET with exactly these header lines (repeated names stay separate lines). */
function rawGet(
  base: string,
  path: string,
  headerLines: [string, string][],
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, base);
    const request = httpRequest(url, { headers: [['Host', url.host], ...headerLines].flat() }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
    });
    request.on('error', reject).end();
  });
}

describe('POST /auth/register', () => {
  it('creates the user with a trimmed, lower-cased email and returns 201 {user} without the hash', async () => {
    const email = uniqueEmail('mixed');
    const response = await request(platform.url, 'POST', '/auth/register', {
      body: { email: `  ${email.toUpperCase()}  `, password: PASSWORD, name: 'Ada' },
    });
    expect(response.status).toBe(201);
    const body = await json(response);
    expect(body).toEqual({
      user: { id: expect.any(String), email, name: 'Ada', disabled: false, created_at: expect.any(String), updated_at: expect.any(String) },
    });
  });

  it('answers 409 Email already registered, whatever the case of the email', async () => {
    const { email } = await registerUser(platform.url);
    const response = await request(platform.url, 'POST', '/auth/register', { body: { email: email.toUpperCase(), password: PASSWORD } });
    await expectError(response, 409, 'Email already registered');
  });

  it.each([
    ['7 bytes', 'a'.repeat(7)],
    ['73 bytes', 'a'.repeat(73)],
    ['37 two-byte characters (74 bytes, not truncated)', 'é'.repeat(37)],
  ])('refuses a password of %s, naming the 72-byte limit', async (_name, password) => {
    const response = await request(platform.url, 'POST', '/auth/register', { body: { email: uniqueEmail(), password } });
    await expectError(response, 400, /^password must be 8 to 72 bytes long \(72 bytes is bcrypt's limit/);
  });

  it('accepts a password of exactly 72 bytes, and logs in with it but not with a 73-byte extension', async () => {
    const password = 'p'.repeat(72);
    const { email } = await registerUser(platform.url, uniqueEmail(), password);
    expect((await login(platform.url, email, password)).access_token).toEqual(expect.any(String));
    const longer = await request(platform.url, 'POST', '/auth/login', { body: { email, password: `${password}x` } });
    await expectError(longer, 400, [LOGIN_PASSWORD_TOO_LONG]);
  });

  it.each([
    ['a zero-width space', 'ada\u200b@example.com'],
    ['a zero-width non-joiner', 'ada\u200c@example.com'],
    ['a zero-width joiner', 'ada\u200d@example.com'],
    ['a word joiner', 'ada\u2060@example.com'],
    ['a zero-width no-break space, even at the start', '\ufeffada@example.com'],
    ['a control character', 'ada\u0007@example.com'],
    ['a C1 control character', 'ada\u0085@example.com'],
  ])('refuses an email with %s', async (_name, email) => {
    const response = await request(platform.url, 'POST', '/auth/register', { body: { email, password: PASSWORD } });
    await expectError(response, 400, /email must not contain control or zero-width characters/);
  });

  it('stores the email in Unicode NFC, so both ways of typing an accent are one account', async () => {
    const local = `jose-${randomUUID()}`;
    const decomposed = `${local}e\u0301@example.com`;
    const composed = `${local}\u00e9@example.com`;
    const { email } = await registerUser(platform.url, decomposed);
    expect(email).toBe(composed);
    expect((await login(platform.url, composed)).user.email).toBe(composed);
    expect((await login(platform.url, decomposed)).user.email).toBe(composed);
    const again = await request(platform.url, 'POST', '/auth/register', { body: { email: composed.toUpperCase(), password: PASSWORD } });
    await expectError(again, 409, 'Email already registered');
  });

  it('refuses an invalid email with one message for the field', async () => {
    const response = await request(platform.url, 'POST', '/auth/register', { body: { email: 'nope', password: PASSWORD } });
    await expectError(response, 400, /email must be a valid email address/);
  });

  it('refuses unknown body fields', async () => {
    const response = await request(platform.url, 'POST', '/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, role: 'admin' },
    });
    await expectError(response, 400, /property role should not exist/);
  });

  it('answers malformed JSON with 400 in the common shape', async () => {
    const response = await request(platform.url, 'POST', '/auth/register', { body: '{"email": ' });
    await expectError(response, 400, /JSON/);
  });

  it('answers a body over 100 kB with 413', async () => {
    const response = await request(platform.url, 'POST', '/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(110_000) },
    });
    await expectError(response, 413, /body/i);
  });
});

describe('POST /auth/login', () => {
  it('returns the token pair, its lifetimes, the audiences and the user', async () => {
    const { email, id } = await registerUser(platform.url);
    const response = await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 2_592_000,
      refresh_expires_in: 15_552_000,
      audience: ['web', 'api', 'a2a', 'mcp'],
      user: expect.objectContaining({ id, email }),
    });
  });

  it('issues an HS256 access token with typ at+jwt, a kid, and the claims iss, aud, sub, exp, iat, jti, sid', async () => {
    const pair = await signIn(platform.url);
    const { header, payload } = decode(pair.access_token);
    expect(header).toEqual({ alg: 'HS256', typ: 'at+jwt', kid: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(Object.keys(payload).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub']);
    expect(payload).toMatchObject({ iss: TEST_ISSUER, aud: ['web', 'api', 'a2a', 'mcp'], sub: pair.user.id });
    expect(payload.exp).toBe((payload.iat as number) + 2_592_000);
    expect(decode(pair.refresh_token).header.typ).toBe('rt+jwt');
  });

  it('gives every token its own jti', async () => {
    const { email } = await registerUser(platform.url);
    const [first, second] = [await login(platform.url, email), await login(platform.url, email)];
    const ids = [first.access_token, first.refresh_token, second.access_token, second.refresh_token].map((t) => decode(t).payload.jti);
    expect(new Set(ids).size).toBe(4);
  });

  it('answers an unknown email and a wrong password with the same 401', async () => {
    const { email } = await registerUser(platform.url);
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body: { email: uniqueEmail('ghost'), password: PASSWORD } }),
      401,
      'Invalid email or password',
    );
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body: { email, password: 'wrong password' } }),
      401,
      'Invalid email or password',
    );
  });

  it.each([
    ['73 bytes', 'a'.repeat(73)],
    ['90 kB', 'a'.repeat(90_000)],
    ['37 two-byte characters (74 bytes)', 'é'.repeat(37)],
  ])('refuses a password of %s with 400, as registration does, without checking it', async (_name, password) => {
    const { email } = await registerUser(platform.url);
    await expectError(await request(platform.url, 'POST', '/auth/login', { body: { email, password } }), 400, [LOGIN_PASSWORD_TOO_LONG]);
  });

  it('refuses an email over 320 characters with 400', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(250)}.example.com`;
    await expectError(await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } }), 400, [
      'email must be shorter than or equal to 320 characters',
    ]);
  });

  it.each([
    ['a zero-width space', 'ada\u200b@example.com'],
    ['a line feed', 'ada@example.com\nX-Injected: 1'],
  ])('refuses an email with %s with 400', async (_name, email) => {
    await expectError(await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } }), 400, [
      'email must not contain control or zero-width characters',
    ]);
  });

  it('refuses an email with a NUL byte with 400, as any string field (the body check comes first)', async () => {
    const body = { email: 'ada\u0000@example.com', password: PASSWORD };
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body }),
      400,
      'email must not contain the NUL character (\\u0000)',
    );
  });

  it('matches the email case-insensitively', async () => {
    const { email } = await registerUser(platform.url);
    expect((await login(platform.url, `  ${email.toUpperCase()}`)).user.email).toBe(email);
  });

  it.each([
    ['a single audience', 'mcp', ['mcp']],
    ['a list', ['web', 'api'], ['web', 'api']],
    ['a list with repeats', ['api', 'api'], ['api']],
  ])('narrows the tokens to %s', async (_name, audience, expected) => {
    const pair = await signIn(platform.url, { audience });
    expect(pair.audience).toEqual(expected);
    expect(decode(pair.access_token).payload.aud).toEqual(expected);
    expect(decode(pair.refresh_token).payload.aud).toEqual(expected);
  });

  it.each([
    ['an unknown audience', 'desktop'],
    ['a list with an unknown audience', ['web', 'desktop']],
    ['an empty list', []],
  ])('answers 400 Invalid audience for %s', async (_name, audience) => {
    const { email } = await registerUser(platform.url);
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD, audience } }),
      400,
      'Invalid audience',
    );
  });
});

describe('the guard: presenting an access token', () => {
  let pair: Awaited<ReturnType<typeof signIn>>;
  beforeAll(async () => {
    pair = await signIn(platform.url);
  });

  const me = (headers: Record<string, string>) => request(platform.url, 'GET', '/auth/me', { headers });

  it('accepts a valid token', async () => {
    const response = await request(platform.url, 'GET', '/auth/me', { token: pair.access_token });
    expect(response.status).toBe(200);
    expect((await json(response)).user.email).toBe(pair.email);
  });

  it('answers 401 Missing Authorization header, with a challenge that has no error attribute', async () => {
    const response = await me({});
    expect(response.headers.get('www-authenticate')).toBe(CHALLENGE);
    await expectError(response, 401, 'Missing Authorization header');
  });

  it.each([
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['no token', 'Bearer'],
    ['no scheme', 'TOKEN'],
    ['two tokens', 'Bearer a.b.c d.e.f'],
  ])('answers 401 for a malformed header (%s)', async (_name, header) => {
    const response = await me({ authorization: header });
    expect(response.headers.get('www-authenticate')).toBe(invalidToken('Invalid Authorization header format. Use: Bearer <token>'));
    await expectError(response, 401, 'Invalid Authorization header format. Use: Bearer <token>');
  });

  it('answers 400 invalid_request to several Authorization headers, even when the first is valid', async () => {
    // fetch would join them into one header; a raw request sends two lines.
    const { status, headers, body } = await rawGet(platform.url, '/auth/me', [
      ['Authorization', `Bearer ${pair.access_token}`],
      ['Authorization', `Bearer ${forge({ sub: randomUUID() })}`],
    ]);
    expect(status).toBe(400);
    expect(headers['www-authenticate']).toBe(`${CHALLENGE}, error="invalid_request", error_description="Multiple Authorization headers"`);
    expect(JSON.parse(body)).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Multiple Authorization headers' });
    // One header line is fine.
    expect((await rawGet(platform.url, '/auth/me', [['Authorization', `Bearer ${pair.access_token}`]])).status).toBe(200);
  });

  it('never takes a token from the query string', async () => {
    await expectError(
      await request(platform.url, 'GET', `/auth/me?access_token=${pair.access_token}`),
      401,
      'Missing Authorization header',
    );
  });

  const rejections: [string, () => string, string][] = [
    ['a tampered signature', () => `${pair.access_token.slice(0, -4)}AAAA`, 'Invalid token'],
    [
      'a tampered payload',
      () => {
        const [h, , s] = pair.access_token.split('.');
        return `${h}.${Buffer.from(JSON.stringify({ ...decode(pair.access_token).payload, sub: randomUUID() })).toString('base64url')}.${s}`;
      },
      'Invalid token',
    ],
    [
      'alg none',
      () => jwt.sign(decode(pair.access_token).payload, '', { algorithm: 'none', header: { alg: 'none', typ: 'at+jwt' } }),
      'Invalid token',
    ],
    ['another algorithm (HS512)', () => forge({ sub: pair.user.id }, { algorithm: 'HS512' }), 'Invalid token'],
    ['no kid (Gatehouse always names its key)', () => forge({ sub: pair.user.id }, { kid: null }), 'Invalid token'],
    ['an unknown kid', () => forge({ sub: pair.user.id }, { kid: 'aaaaaaaaaaaaaaaa' }), 'Invalid token'],
    ['another secret', () => forge({ sub: pair.user.id }, { secret: 'some-other-secret-that-is-long-enough!!' }), 'Invalid token'],
    [
      'an expired token',
      () => withClaims(pair.access_token, { iat: Math.floor(Date.now() / 1000) - 200, exp: Math.floor(Date.now() / 1000) - 60 }),
      'Token expired',
    ],
    ['a token not valid yet (nbf)', () => withClaims(pair.access_token, { nbf: Math.floor(Date.now() / 1000) + 120 }), 'Invalid token'],
    [
      'a token issued in the future (iat)',
      () => withClaims(pair.access_token, { iat: Math.floor(Date.now() / 1000) + 120 }),
      'Invalid token',
    ],
    ['another issuer', () => withClaims(pair.access_token, { iss: 'gatehouse-elsewhere' }), 'Invalid issuer'],
    ['no exp', () => withClaims(pair.access_token, { exp: undefined }), 'Invalid token'],
    ['aud as a string', () => withClaims(pair.access_token, { aud: 'web' }), 'Invalid token'],
    ['an unknown audience', () => withClaims(pair.access_token, { aud: ['web', 'desktop'] }), 'Invalid token'],
    ['no typ', () => withClaims(pair.access_token, {}, ''), 'Invalid token'],
    ['a refresh token', () => pair.refresh_token, 'Invalid token'],
    ['garbage', () => 'not.a.jwt', 'Invalid token'],
  ];
  it.each(rejections)('rejects %s', async (_name, token, message) => {
    const response = await me({ authorization: `Bearer ${token()}` });
    expect(response.headers.get('www-authenticate')).toBe(invalidToken(message));
    await expectError(response, 401, message);
  });

  it('accepts a token expired less than the 30 s clock-skew leeway ago', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = withClaims(pair.access_token, { iat: now - 100, exp: now - 10 });
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('returns the verified claims at /auth/claims', async () => {
    const response = await request(platform.url, 'GET', '/auth/claims', { token: pair.access_token });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual(decode(pair.access_token).payload);
  });

  it('accepts the Bearer scheme in any case (RFC 6750)', async () => {
    expect((await me({ authorization: `bearer ${pair.access_token}` })).status).toBe(200);
  });

  it('refuses an access token presented as a refresh token', async () => {
    const response = await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.access_token } });
    await expectError(response, 401, 'Invalid refresh token');
  });
});

describe('refusing before Nest runs (the access decision in the preParsing hook)', () => {
  let instance: RunningPlatform;
  beforeAll(async () => {
    instance = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER, METRICS_PUBLIC: 'true' });
  });
  afterAll(() => instance.close());

  const badToken = () => `${forge({ sub: randomUUID() }).slice(0, -4)}AAAA`;
  const refusedAsInvalid = async () => {
    const metrics = await (await request(instance.url, 'GET', '/metrics')).text();
    return Number(/^gatehouse_token_rejections_total\{reason="invalid"\} (\d+)$/m.exec(metrics)?.[1]);
  };

  it('answers every bad token the same way, from the first request on, and counts each', async () => {
    const before = await refusedAsInvalid();
    const first = await request(instance.url, 'GET', '/workspaces', { token: badToken() });
    const second = await request(instance.url, 'GET', '/workspaces', { token: badToken() });
    for (const response of [first, second]) {
      expect(response.headers.get('www-authenticate')).toBe(invalidToken('Invalid token'));
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      await expectError(response, 401, 'Invalid token');
    }
    expect(await refusedAsInvalid()).toBe(before + 2);
  });

  it('refuses a bad token without reading the body, and still reads it for a good one', async () => {
    const malformed = { body: '{"name": ' };
    await expectError(
      await request(instance.url, 'POST', '/workspaces', { token: badToken(), body: { name: 'Taught' } }),
      401,
      'Invalid token',
    );
    await expectError(await request(instance.url, 'POST', '/workspaces', { token: badToken(), ...malformed }), 401, 'Invalid token');
    const { access_token } = await signIn(instance.url);
    const response = await request(instance.url, 'POST', '/workspaces', { token: access_token, ...malformed });
    expect(response.status).toBe(400);
  });

  it('lets a good token through to the route on a route it has refused on', async () => {
    const pair = await signIn(instance.url);
    await expectError(await request(instance.url, 'GET', '/auth/claims', { token: badToken() }), 401, 'Invalid token');
    const response = await request(instance.url, 'GET', '/auth/claims', { token: pair.access_token });
    expect(response.status).toBe(200);
    expect((await json(response)).sub).toBe(pair.user.id);
  });
});

describe('audiences the deployment no longer serves', () => {
  let narrowed: RunningPlatform;
  beforeAll(async () => {
    narrowed = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER, JWT_AUDIENCES: 'web,api' });
  });
  afterAll(() => narrowed.close());

  it('answers 403 Invalid audience (insufficient_scope) to a valid token that only carries them, naming those still served', async () => {
    const { id } = await registerUser(narrowed.url);
    const token = forge({ sub: id, aud: ['mcp'] });
    const response = await request(narrowed.url, 'GET', '/auth/me', { token });
    const message = 'Invalid audience: this route accepts web, api';
    expect(response.headers.get('www-authenticate')).toBe(`${CHALLENGE}, error="insufficient_scope", error_description="${message}"`);
    await expectError(response, 403, message);
  });

  it('lets a token through on an audience it still serves', async () => {
    const { email } = await registerUser(narrowed.url);
    const pair = await login(narrowed.url, email);
    expect(pair.audience).toEqual(['web', 'api']);
    expect((await request(narrowed.url, 'GET', '/auth/me', { token: pair.access_token })).status).toBe(200);
  });

  it('refuses a login asking for an audience it does not serve', async () => {
    const { email } = await registerUser(narrowed.url);
    await expectError(
      await request(narrowed.url, 'POST', '/auth/login', { body: { email, password: PASSWORD, audience: 'mcp' } }),
      400,
      'Invalid audience',
    );
  });
});

describe('registration closed', () => {
  it('answers 403 when ALLOW_REGISTRATION=false', async () => {
    const closed = await startTestPlatform({ ALLOW_REGISTRATION: 'false' });
    try {
      await expectError(
        await request(closed.url, 'POST', '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } }),
        403,
        'Registration is closed',
      );
    } finally {
      await closed.close();
    }
  });
});
