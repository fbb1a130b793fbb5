import { DEFAULT_JWT_SECRET } from '@app/config';
import type { RunningPlatform } from '@app/server';
import { forge, json, PASSWORD, registerUser, request, uniqueEmail } from './support/auth-client.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { startGatehouseServer } from './support/gatehouse-process.js';
import { startTestPlatform, testDatabaseUrl } from './support/platform.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

const ISSUER = 'gatehouse-production-test';
const REFUSAL = 'Refusing to issue JWT with default PLATFORM_JWT_SECRET outside dev';

describe('production mode with the built-in secret', () => {
  const logger = new CapturingLogger();
  let platform: RunningPlatform;
  beforeAll(async () => {
    // No PLATFORM_ENV and no secret: production with the public default.
    platform = await startTestPlatform({ PLATFORM_ENV: undefined, JWT_ISSUER: ISSUER, BCRYPT_COST: '10', LOGIN_MAX_FAILURES: '2' }, logger);
  });
  afterAll(() => platform.close());

  it('still starts, with an error-level log line at boot, and is ready', async () => {
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        context: 'TokenProvider',
        message: expect.stringContaining('PLATFORM_JWT_SECRET is not set'),
      }),
    );
    expect((await request(platform.url, 'GET', '/health/ready')).status).toBe(200);
  });

  it('refuses to issue tokens at login: 503 to the client, the exact refusal in the log, no session written', async () => {
    const { email, id } = await registerUser(platform.url);
    const before = logger.errors().filter((message) => message === REFUSAL).length;
    const response = await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
    await expectError(
      response,
      503,
      'Token issuance is disabled by a server misconfiguration; the administrator must set PLATFORM_JWT_SECRET',
    );
    expect(logger.errors().filter((message) => message === REFUSAL)).toHaveLength(before + 1);

    const { rows } = await withDatabaseClient((client) => client.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [id]));
    expect(rows[0].n).toBe(0);
  });

  it('never puts the secret in a response', async () => {
    const { email } = await registerUser(platform.url);
    const body = await (await request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } })).text();
    expect(body).not.toContain(DEFAULT_JWT_SECRET);
  });

  it('rejects an access token forged with the public default secret', async () => {
    const { id } = await registerUser(platform.url);
    const token = forge({ iss: ISSUER, sub: id }, { secret: DEFAULT_JWT_SECRET });
    await expectError(await request(platform.url, 'GET', '/auth/me', { token }), 401, 'Invalid token');
  });

  it('rejects a refresh token forged with the public default secret', async () => {
    const token = forge({ iss: ISSUER }, { secret: DEFAULT_JWT_SECRET, typ: 'rt+jwt' });
    await expectError(
      await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: token } }),
      401,
      'Invalid refresh token',
    );
  });

  it('refuses every login with 503 before checking the password, so the answer tells nothing about it', async () => {
    const { email } = await registerUser(platform.url);
    for (const body of [
      { email, password: 'not the password' },
      { email: uniqueEmail('ghost'), password: PASSWORD },
      { email, password: PASSWORD },
    ]) {
      await expectError(
        await request(platform.url, 'POST', '/auth/login', { body }),
        503,
        'Token issuance is disabled by a server misconfiguration; the administrator must set PLATFORM_JWT_SECRET',
      );
    }
  });

  it('counts no failed login meanwhile: wrong passwords past LOGIN_MAX_FAILURES still get 503, never 429', async () => {
    const { email } = await registerUser(platform.url);
    for (let i = 0; i < 4; i++) {
      expect((await request(platform.url, 'POST', '/auth/login', { body: { email, password: `wrong password ${i}` } })).status).toBe(503);
    }
  });
});

describe('development mode with the built-in secret', () => {
  it('issues tokens, after a warning at boot', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl(), BCRYPT_COST: '4' });
    try {
      expect(server.output()).toContain('Using the built-in development JWT secret (PLATFORM_ENV=dev)');
      const { email } = await registerUser(server.baseUrl);
      const response = await request(server.baseUrl, 'POST', '/auth/login', { body: { email, password: PASSWORD } });
      expect(response.status).toBe(200);
      expect((await json(response)).access_token).toEqual(expect.any(String));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});
