import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthRateLimits } from './auth-rate-limits.js';

/**
 * Counts requests per client address on the routes it guards. The address is the socket's,
 * or the `X-Forwarded-For` one only when TRUST_PROXY is true (Fastify's `trustProxy`).
 */
@Injectable()
export class AddressRateLimitGuard implements CanActivate {
  constructor(private readonly limits: AuthRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.limits.consumeAddress(context.switchToHttp().getRequest<FastifyRequest>().ip);
    return true;
  }
}
