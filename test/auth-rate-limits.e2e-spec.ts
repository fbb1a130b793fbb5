import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RunningPlatform } from '@app/server';
import { login, PASSWORD, registerUser, request, uniqueEmail } from './support/auth-client.js';
import { startTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';

/** A client address of its own (IPv6 documentation range), so no two tests, nor runs sharing Redis, share a counter. */
/** A client address of its own: IPv6 clients are counted by their /64, so each gets a /64 of its own. */
const address = () => `2001:db8:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')}::${randomBytes(2).toString('hex')}`;

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

  const attempt = (forwardedFor: string) =>
    request(platform.url, 'POST', '/auth/login', {
      body: { email: uniqueEmail(), password: PASSWORD },
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('counts each forwarded client address separately', async () => {
    const first = address();
    expect((await attempt(first)).status).toBe(401);
    expect((await attempt(first)).status).toBe(401);
    await expectTooManyRequests(await attempt(first), 60);
    expect((await attempt(address())).status).toBe(401);
  });

  it('believes only the hop next to the proxy: addresses the client puts before it change nothing', async () => {
    const client = address();
    expect((await attempt(`${address()}, ${client}`)).status).toBe(401);
    expect((await attempt(`${address()}, ${address()}, ${client}`)).status).toBe(401);
    await expectTooManyRequests(await attempt(`${address()}, ${client}`), 60);
  });

  it('uses the connection address when the forwarded one is not an IP address, and still signs the user in', async () => {
    const { email } = await registerUser(platform.url);
    const response = await request(platform.url, 'POST', '/auth/login', {
      body: { email, password: PASSWORD },
      headers: { 'x-forwarded-for': `not-an-address-${'x'.repeat(80)}` },
    });
    expect(response.status).toBe(200);
  });
});

describe('behind proxies listed by address (TRUST_PROXY=127.0.0.1)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: '127.0.0.1' });
  });
  afterAll(() => platform.close());

  it('takes the client address from the right of X-Forwarded-For, past the listed proxies', async () => {
    const attempt = (forwardedFor: string) =>
      request(platform.url, 'POST', '/auth/login', {
        body: { email: uniqueEmail(), password: PASSWORD },
        headers: { 'x-forwarded-for': forwardedFor },
      });
    const client = address();
    expect((await attempt(`${address()}, ${client}`)).status).toBe(401);
    expect((await attempt(`${address()}, ${client}, 127.0.0.1`)).status).toBe(401);
    await expectTooManyRequests(await attempt(client), 60);
    expect((await attempt(address())).status).toBe(401);
  });
});

describe('behind proxies at other addresses (TRUST_PROXY=10.0.0.0/8)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: '10.0.0.0/8' });
  });
  afterAll(() => platform.close());

  it('ignores X-Forwarded-For from a connection that is not one of the proxies', async () => {
    const attempt = () =>
      request(platform.url, 'POST', '/auth/login', {
        body: { email: uniqueEmail(), password: PASSWORD },
        headers: { 'x-forwarded-for': address() },
      });
    expect((await attempt()).status).toBe(401);
    expect((await attempt()).status).toBe(401);
    await expectTooManyRequests(await attempt(), 60);
  });
});

describe('per account and address (LOGIN_MAX_FAILURES)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ LOGIN_MAX_FAILURES: '2' });
  });
  afterAll(() => platform.close());

  const attempt = (email: string, password: string) => request(platform.url, 'POST', '/auth/login', { body: { email, password } });

  it('answers 429 with Retry-After after too many failures from the address, even to the right password', async () => {
    const { email } = await registerUser(platform.url);
    expect((await attempt(email, 'wrong password 1')).status).toBe(401);
    expect((await attempt(email, 'wrong password 2')).status).toBe(401);
    await expectTooManyRequests(await attempt(email, PASSWORD), 30);
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

describe('an attacker at one address (LOGIN_MAX_FAILURES=10, the default)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ TRUST_PROXY: 'true' });
  });
  afterAll(() => platform.close());

  const attempt = (email: string, password: string, from: string) =>
    request(platform.url, 'POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': from } });

  it('cannot lock the owner out at another address', async () => {
    const { email } = await registerUser(platform.url);
    const [attacker, owner] = [address(), address()];
    for (let i = 1; i <= 10; i++) expect((await attempt(email, `guess ${i}`, attacker)).status).toBe(401);
    for (let i = 11; i <= 13; i++) await expectTooManyRequests(await attempt(email, `guess ${i}`, attacker), 30);
    expect((await attempt(email, PASSWORD, owner)).status).toBe(200);
    // The owner's success forgives nothing at the attacker's address.
    await expectTooManyRequests(await attempt(email, PASSWORD, attacker), 30);
  });
});

describe('guessing spread over many addresses (the per-account ceiling, 10 × LOGIN_MAX_FAILURES)', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '2' });
  });
  afterAll(() => platform.close());

  const attempt = (email: string, password: string, from: string) =>
    request(platform.url, 'POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': from } });
  const guessFromNewAddress = async (email: string) => {
    const from = address();
    expect((await attempt(email, 'guess 1', from)).status).toBe(401);
    expect((await attempt(email, 'guess 2', from)).status).toBe(401);
  };

  it('lets the owner in below the ceiling, and locks the account for everyone once it is reached', async () => {
    const [victim, bystander] = [await registerUser(platform.url), await registerUser(platform.url)];
    for (let i = 0; i < 9; i++) await guessFromNewAddress(victim.email);
    expect((await attempt(victim.email, PASSWORD, address())).status).toBe(200);
    await guessFromNewAddress(victim.email);
    await expectTooManyRequests(await attempt(victim.email, PASSWORD, address()), 15 * 60);
    expect((await attempt(bystander.email, PASSWORD, address())).status).toBe(200);
  });
});

const redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('shared counters in Redis (REDIS_URL; runs when GATEHOUSE_TEST_REDIS_URL is set)', () => {
  let first: RunningPlatform;
  let second: RunningPlatform;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl, AUTH_RATE_LIMIT: '3', TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '2' };
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
    expect((await attempt(first)).status).toBe(401);
    await expectTooManyRequests(await attempt(second), 60);
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

  it('counts failed logins of one account and address across instances', async () => {
    const { email } = await registerUser(first.url);
    const from = address();
    const attempt = (platform: RunningPlatform, password: string) =>
      request(platform.url, 'POST', '/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': from } });
    expect((await attempt(first, 'wrong password 1')).status).toBe(401);
    expect((await attempt(second, 'wrong password 2')).status).toBe(401);
    await expectTooManyRequests(await attempt(first, PASSWORD), 30);
  });

  it('keys the counters by a hash of the email, never the email itself', async () => {
    const email = uniqueEmail('redis-key');
    const redis = new Redis(redisUrl!);
    try {
      await request(first.url, 'POST', '/auth/login', {
        body: { email, password: 'wrong password' },
        headers: { 'x-forwarded-for': address() },
      });
      const keys = await redis.keys('gatehouse:*');
      const hash = createHash('sha256').update(email).digest('base64url');
      expect(keys.filter((key) => key.includes(hash)).length).toBeGreaterThan(0);
      expect(keys.filter((key) => key.includes(email))).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });
});
