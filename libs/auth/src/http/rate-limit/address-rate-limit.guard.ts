import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthRateLimits } from './auth-rate-limits.js';
import { clientAddress } from '../client-address.js';

/**
 * Counts requests per client address on the routes it guards. The address is the socket's,
 * or the `X-Forwarded-For` one that the proxies trusted by TRUST_PROXY vouch for.
 */
@Injectable()
export class AddressRateLimitGuard implements CanActivate {
  constructor(private readonly limits: AuthRateLimits) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.limits.consumeAddress(clientAddress(context.switchToHttp().getRequest<FastifyRequest>()));
    return true;
  }
}
