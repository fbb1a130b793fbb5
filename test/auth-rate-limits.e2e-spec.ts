import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RunningPlatform } from '@app/server';
import { login, PASSWORD, registerUser, request, uniqueEmail } from './support/auth-client.js';
import { startTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';

/** A client address of its own (IPv6 documentation range), so no two tests, nor runs sharing Redis, share a counter. */
const address = () => `2001:db8::${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}`;

async function expectTooManyRequests(response: Response, maxSeconds: number): Promise<void> {
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxSeconds);
  await expectError(response, 429, `Too many requests; retry in ${retryAfter} seconds`);
}

describe('per client address (AUTH_RATE_LIMIT)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ AUTH_RATE_LIMIT: '3' });
  });
  afterAll(() => platform.close());

  it('answers 429 with Retry-After once login, register and refresh together exceed the limit', async () => {
    const statuses = [
      (await request(platform.url, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } })).status,
      (await request(platform.url, 'POST', '/auth/register', { body: { email: uniqueEmail(), password: PASSWORD } })).status,
      (await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: 'x' } })).status,
    ];
    expect(statuses).toEqual([401, 201, 401]);
    await expectTooManyRequests(
      await request(platform.url, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } }),
      60,
    );
  });

  it('ignores X-Forwarded-For when TRUST_PROXY is false', async () => {
    const response = await request(platform.url, 'POST', '/auth/login', {
      body: { email: uniqueEmail(), password: PASSWORD },
      headers: { 'x-forwarded-for': '203.0.113.77' },
    });
    await expectTooManyRequests(response, 60);
  });

  it('does not limit other routes', async () => {
    expect((await request(platform.url, 'GET', '/health/live')).status).toBe(200);
  });
});

describe('behind a trusted proxy (TRUST_PROXY=true)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: 'true' });
  });
  afterAll(() => platform.close());

  it('counts each forwarded client address separately', async () => {
    const attempt = (forwardedFor: string) =>
      request(platform.url, 'POST', '/auth/login', {
        body: { email: uniqueEmail(), password: PASSWORD },
        headers: { 'x-forwarded-for': forwardedFor },
      });
    const first = address();
    expect((await attempt(first)).status).toBe(401);
    expect((await attempt(first)).status).toBe(401);
    await expectTooManyRequests(await attempt(first), 60);
    expect((await attempt(address())).status).toBe(401);
  });
});

describe('per account (LOGIN_MAX_FAILURES)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ LOGIN_MAX_FAILURES: '2' });
  });
  afterAll(() => platform.close());

  const attempt = (email: string, password: string) => request(platform.url, 'POST', '/auth/login', { body: { email, password } });

  it('answers 429 with Retry-After after too many failures, even to the right password', async () => {
    const { email } = await registerUser(platform.url);
    expect((await attempt(email, 'wrong password 1')).status).toBe(401);
    expect((await attempt(email, 'wrong password 2')).status).toBe(401);
    await expectTooManyRequests(await attempt(email, PASSWORD), 15 * 60);
  });

  it('locks unknown emails the same way, so the lock reveals nothing', async () => {
    const email = uniqueEmail('ghost');
    expect((await attempt(email, 'x-password-1')).status).toBe(401);
    expect((await attempt(email, 'x-password-2')).status).toBe(401);
    await expectTooManyRequests(await attempt(email, 'x-password-3'), 15 * 60);
  });

  it('counts per account: another account is not affected', async () => {
    const [locked, other] = [await registerUser(platform.url), await registerUser(platform.url)];
    await attempt(locked.email, 'wrong password 1');
    await attempt(locked.email, 'wrong password 2');
    expect((await attempt(other.email, PASSWORD)).status).toBe(200);
  });

  it('forgets earlier failures after a successful login', async () => {
    const { email } = await registerUser(platform.url);
    expect((await attempt(email, 'wrong password 1')).status).toBe(401);
    expect((await login(platform.url, email)).access_token).toEqual(expect.any(String));
    expect((await attempt(email, 'wrong password 2')).status).toBe(401);
    expect((await attempt(email, PASSWORD)).status).toBe(200);
  });
});

const redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('shared counters in Redis (REDIS_URL; runs when GATEHOUSE_TEST_REDIS_URL is set)', () => {
  let first: RunningPlatform;
  let second: RunningPlatform;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl, AUTH_RATE_LIMIT: '2', TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '2' };
    first = await startTestPlatform(env);
    second = await startTestPlatform(env);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it('counts requests from one address across instances', async () => {
    const forwardedFor = address();
    const attempt = (platform: RunningPlatform) =>
      request(platform.url, 'POST', '/auth/login', {
        body: { email: uniqueEmail(), password: PASSWORD },
        headers: { 'x-forwarded-for': forwardedFor },
      });
    expect((await attempt(first)).status).toBe(401);
    expect((await attempt(second)).status).toBe(401);
    await expectTooManyRequests(await attempt(first), 60);
  });

  it('keeps its counters under REDIS_KEY_PREFIX', async () => {
    const prefix = `gatehouse-test-${randomUUID()}:`;
    const platform = await startTestPlatform({ REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix });
    const redis = new Redis(redisUrl!);
    try {
      await request(platform.url, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: PASSWORD } });
      const keys = await redis.keys(`${prefix}*`);
      expect(keys).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${prefix}auth-address`))]));
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
      await platform.close();
    }
  });

  it('counts failed logins of one account across instances', async () => {
    const { email } = await registerUser(first.url);
    const attempt = (platform: RunningPlatform, password: string) =>
      request(platform.url, 'POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': address() } });
    expect((await attempt(first, 'wrong password 1')).status).toBe(401);
    expect((await attempt(second, 'wrong password 2')).status).toBe(401);
    await expectTooManyRequests(await attempt(first, PASSWORD), 15 * 60);
  });
});
