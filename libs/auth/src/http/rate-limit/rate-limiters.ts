import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RedisConfig } from '@app/config';
import { DomainError } from '@app/errors';

/** A Redis command that gets no answer within this fails, and the in-process counters answer instead. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;

/** 429 with `Retry-After` (seconds). */
export class TooManyRequests extends DomainError {
  constructor(retryAfterSeconds: number) {
    super('too_many_requests', `Too many requests; retry in ${retryAfterSeconds} seconds`, { 'Retry-After': String(retryAfterSeconds) });
  }
}

/** A limiter's rejection as the 429 to answer; any other error (Redis failing without insurance) unchanged. */
export function toTooManyRequests(rejection: unknown): unknown {
  if (!(rejection instanceof RateLimiterRes)) return rejection;
  return new TooManyRequests(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
}

/**
 * Makes every rate limiter (rate-limiter-flexible) and owns the one Redis connection they share.
 * With REDIS_URL set the counters live in Redis, so every instance shares them, with an
 * in-process limiter standing in while Redis is unreachable; otherwise they are in-process.
 */
@Injectable()
export class RateLimiters implements OnApplicationShutdown {
  private readonly logger = new Logger('RateLimiters');
  private readonly redis: Redis | undefined;

  constructor(private readonly redisConfig: RedisConfig) {
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
  }

  /** `points` per `durationSeconds` for each key; `keyPrefix` keeps the limiters' counters apart. */
  create(keyPrefix: string, points: number, durationSeconds: number): RateLimiterAbstract {
    const memory = new RateLimiterMemory({ keyPrefix, points, duration: durationSeconds });
    return this.redis === undefined
      ? memory
      : new RateLimiterRedis({
          storeClient: this.redis,
          keyPrefix: `${this.redisConfig.keyPrefix}${keyPrefix}`,
          points,
          duration: durationSeconds,
          insuranceLimiter: memory,
        });
  }

  /** After the HTTP server has finished its in-flight requests. */
  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
