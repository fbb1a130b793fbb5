import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitConfig, RedisConfig } from '@app/config';
import { DomainError } from '@app/errors';
import { AuthMetrics } from '../../auth-metrics.js';

const ACCOUNT_WINDOW_SECONDS = 15 * 60;
const ADDRESS_WINDOW_SECONDS = 60;
/** A Redis command that gets no answer within this fails, and the in-process counters answer instead. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/** 429 with `Retry-After` (seconds). */
export class TooManyRequests extends DomainError {
  constructor(retryAfterSeconds: number) {
    super('too_many_requests', `Too many requests; retry in ${retryAfterSeconds} seconds`, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/**
 * Brute-force protection (rate-limiter-flexible): requests per client address per minute to
 * login/register/refresh (AUTH_RATE_LIMIT), and failed logins per account per 15 minutes
 * (LOGIN_MAX_FAILURES). Counters live in Redis when REDIS_URL is set, so every instance shares
 * them, with an in-process limiter standing in while Redis is unreachable.
 */
@Injectable()
export class AuthRateLimits implements OnApplicationShutdown {
  private readonly logger = new Logger('AuthRateLimits');
  private readonly redis: Redis | undefined;
  private readonly perAddress: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;

  constructor(
    limits: RateLimitConfig,
    redisConfig: RedisConfig,
    private readonly metrics: AuthMetrics,
  ) {
    if (redisConfig.url !== undefined) {
      // A command fails fast instead of waiting on a Redis that is down or frozen, so the
      // in-process limiter stands in at once.
      this.redis = new Redis(redisConfig.url, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
        lazyConnect: false,
      });
      this.redis.on('error', (error) => this.logger.warn(`Redis: ${error.message}`));
    }
    const limiter = (keyPrefix: string, points: number, duration: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix, points, duration });
      return this.redis === undefined
        ? memory
        : new RateLimiterRedis({
            storeClient: this.redis,
            keyPrefix: `${redisConfig.keyPrefix}${keyPrefix}`,
            points,
            duration,
            insuranceLimiter: memory,
          });
    };
    this.perAddress = limiter('auth-address', limits.authRateLimit, ADDRESS_WINDOW_SECONDS);
    this.accountFailures = limiter('login-failures', limits.loginMaxFailures, ACCOUNT_WINDOW_SECONDS);
  }

  /** After the HTTP server has finished its in-flight requests. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
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

function toTooManyRequests(rejection: unknown): unknown {
  if (!(rejection instanceof RateLimiterRes)) return rejection;
  return new TooManyRequests(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
}
