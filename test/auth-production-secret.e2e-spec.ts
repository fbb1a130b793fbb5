import pg from 'pg';
import { DEFAULT_JWT_SECRET } from '@app/config';
import type { RunningPlatform } from '@app/server';
import { forge, json, PASSWORD, registerUser, request, uniqueEmail } from './support/auth-client.js';
import { CapturingLogger } from './support/capturing-logger.js';
import { startGatehouseServer } from './support/gatehouse-process.js';
import { startTestPlatform, testDatabaseUrl } from './support/platform.js';
import { expectError } from './support/responses.js';

const ISSUER = 'gatehouse-production-test';
const REFUSAL = 'Refusing to issue JWT with default PLATFORM_JWT_SECRET outside dev';

describe('production mode with the built-in secret', () => {
  const logger = new CapturingLogger();
  let platform: RunningPlatform;
  beforeAll(async () => {
    // No PLATFORM_ENV and no secret: production with the public default.
    platform = await startTestPlatform(
      { PLATFORM_ENV: undefined, JWT_ISSUER: ISSUER, BCRYPT_COST: '10', LOGIN_MAX_FAILURES: '1000' },
      logger,
    );
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

    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    const { rows } = await client.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [id]);
    await client.end();
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

  it('answers bad credentials with 401 as usual, before any token question arises', async () => {
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } }),
      401,
      'Invalid email or password',
    );
  });

  it('spends a real bcrypt comparison on unknown emails, so failures take similar time', async () => {
    const { email } = await registerUser(platform.url);
    const time = async (body: object) => {
      const started = performance.now();
      await request(platform.url, 'POST', '/auth/login', { body });
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 7; i++) {
      unknown.push(await time({ email: uniqueEmail('ghost'), password: PASSWORD }));
      wrong.push(await time({ email, password: 'not the password' }));
    }
    // bcrypt at cost 10 dominates both; without the dummy comparison an unknown email would
    // answer in a fraction of the time.
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
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
