import { jest } from '@jest/globals';
import type { DomainError } from '@app/errors';
import { MetricsRegistry } from '@app/metrics';
import { AuthMetrics } from '../../auth-metrics.js';
import { AuthRateLimits, TooManyRequests } from './auth-rate-limits.js';
import { RateLimiters } from './rate-limiters.js';

const MAX_FAILURES = 3;
const ACCOUNT = 'ada@example.com';

function limits(): AuthRateLimits {
  return new AuthRateLimits(
    { loginMaxFailures: MAX_FAILURES, authRateLimit: 1000, invitationRateLimit: 20 },
    new RateLimiters({ url: undefined, keyPrefix: 'gatehouse:' }),
    new AuthMetrics(new MetricsRegistry()),
  );
}

/** The Retry-After of the 429 that refuses a login from `address`. */
async function retryAfter(rateLimits: AuthRateLimits, address: string): Promise<number> {
  const refusal = await rateLimits.beginLogin(ACCOUNT, address).then(
    () => {
      throw new Error(`expected a 429 for ${address}`);
    },
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(TooManyRequests);
  return Number((refusal as DomainError).headers['Retry-After']);
}

async function fail(rateLimits: AuthRateLimits, address: string, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await (await rateLimits.beginLogin(ACCOUNT, address)).failed();
}

describe('failed logins per account and address', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.now(), doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('make that address wait after LOGIN_MAX_FAILURES, twice as long after each further failure, never past the 15-minute window', async () => {
    const rateLimits = limits();
    await fail(rateLimits, 'A', MAX_FAILURES);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const wait = await retryAfter(rateLimits, 'A');
      waits.push(wait);
      jest.advanceTimersByTime(wait * 1000);
      await fail(rateLimits, 'A');
    }
    // 30 + 60 + 120 + 240 s have passed: 450 s of the window are left, less than the next 480.
    waits.push(await retryAfter(rateLimits, 'A'));
    expect(waits).toEqual([30, 60, 120, 240, 450]);
    jest.advanceTimersByTime(450 * 1000);
    // A new window: LOGIN_MAX_FAILURES tries again before the first wait.
    await fail(rateLimits, 'A', MAX_FAILURES);
    expect(await retryAfter(rateLimits, 'A')).toBe(30);
  });

  it('let one try through per wait, even when several come at once', async () => {
    const rateLimits = limits();
    await fail(rateLimits, 'A', MAX_FAILURES);
    jest.advanceTimersByTime(30_000);
    const results = await Promise.allSettled([1, 2, 3].map(() => rateLimits.beginLogin(ACCOUNT, 'A')));
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected', 'rejected']);
  });

  it('never hold back another address', async () => {
    const rateLimits = limits();
    await fail(rateLimits, 'A', MAX_FAILURES);
    expect(await retryAfter(rateLimits, 'A')).toBe(30);
    await expect(rateLimits.beginLogin(ACCOUNT, 'B')).resolves.toBeDefined();
  });

  it('count the addresses of one IPv6 /64 as one address (one host has them all), and an IPv4-mapped address as its IPv4 form', async () => {
    const rateLimits = limits();
    for (let i = 1; i <= MAX_FAILURES; i++) await fail(rateLimits, `2001:db8:1:2::${i}`);
    expect(await retryAfter(rateLimits, '2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(30);
    await expect(rateLimits.beginLogin(ACCOUNT, '2001:db8:1:3::1')).resolves.toBeDefined();
    await fail(rateLimits, '203.0.113.9', MAX_FAILURES);
    expect(await retryAfter(rateLimits, '::ffff:203.0.113.9')).toBe(30);
  });

  it('are forgotten for that address after a successful login, and an abandoned one counts for nothing', async () => {
    const rateLimits = limits();
    await fail(rateLimits, 'A', MAX_FAILURES - 1);
    await (await rateLimits.beginLogin(ACCOUNT, 'A')).succeeded();
    await fail(rateLimits, 'A', MAX_FAILURES - 1);
    for (let i = 0; i < 5; i++) await (await rateLimits.beginLogin(ACCOUNT, 'A')).abandoned();
    await fail(rateLimits, 'A');
    expect(await retryAfter(rateLimits, 'A')).toBe(30);
  });
});

describe('the per-account ceiling', () => {
  it('refuses every address once 10 × LOGIN_MAX_FAILURES failures came from all of them', async () => {
    const rateLimits = limits();
    for (let address = 0; address < 10; address++) await fail(rateLimits, `10.0.0.${address}`, MAX_FAILURES);
    const wait = await retryAfter(rateLimits, '10.0.1.1');
    expect(wait).toBeGreaterThan(15 * 60 - 60);
    expect(wait).toBeLessThanOrEqual(15 * 60);
  });
});
