import { Injectable } from '@nestjs/common';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitConfig } from '@app/config';
import { AuthMetrics } from '../../auth-metrics.js';
import { RateLimiters, toTooManyRequests, TooManyRequests } from './rate-limiters.js';

const ACCOUNT_WINDOW_SECONDS = 15 * 60;
const ADDRESS_WINDOW_SECONDS = 60;

/**
 * Brute-force protection (rate-limiter-flexible): requests per client address per minute to
 * login/register/refresh (AUTH_RATE_LIMIT), and failed logins per account per 15 minutes
 * (LOGIN_MAX_FAILURES), in the limiters RateLimiters makes (shared through Redis when REDIS_URL is set).
 */
@Injectable()
export class AuthRateLimits {
  private readonly perAddress: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;

  constructor(
    limits: RateLimitConfig,
    limiters: RateLimiters,
    private readonly metrics: AuthMetrics,
  ) {
    this.perAddress = limiters.create('auth-address', limits.authRateLimit, ADDRESS_WINDOW_SECONDS);
    this.accountFailures = limiters.create('login-failures', limits.loginMaxFailures, ACCOUNT_WINDOW_SECONDS);
  }

  /** Counts one request from `address`; 429 over AUTH_RATE_LIMIT per minute. */
  async consumeAddress(address: string): Promise<void> {
    try {
      await this.perAddress.consume(address);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.metrics.rateLimitRejected('address');
      throw toTooManyRequests(rejection);
    }
  }

  /** The 429 for an account that has had LOGIN_MAX_FAILURES failed logins in 15 minutes, or null. */
  async accountLock(account: string): Promise<TooManyRequests | null> {
    const state = await this.accountFailures.get(account);
    if (state === null || state.consumedPoints < this.accountFailures.points) return null;
    this.metrics.rateLimitRejected('account');
    return new TooManyRequests(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
  }

  async recordFailure(account: string): Promise<void> {
    await this.accountFailures.consume(account).catch((rejection: unknown) => {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
    });
  }

  async clearFailures(account: string): Promise<void> {
    await this.accountFailures.delete(account);
  }
}
