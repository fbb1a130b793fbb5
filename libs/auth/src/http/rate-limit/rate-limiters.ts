import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { RedisConfig } from '@app/config';
import { DomainError } from '@app/errors';

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
export class RateLimiters implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimiters');
  private readonly redis: Redis | undefined;

  constructor(redisConfig: RedisConfig) {
    if (redisConfig.url !== undefined) {
      this.redis = new Redis(redisConfig.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
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
          keyPrefix: `gatehouse:${keyPrefix}`,
          points,
          duration: durationSeconds,
          insuranceLimiter: memory,
        });
  }

  async onModuleDestroy(): Promise<void> {
    await this.redis?.quit().catch(() => undefined);
  }
}
