import { Module } from '@nestjs/common';
import { RateLimiters } from './rate-limiters.js';

/** The rate limiters' factory and Redis connection, for the auth routes and any other route with a limit. */
@Module({
  providers: [RateLimiters],
  exports: [RateLimiters],
})
export class RateLimitModule {}
