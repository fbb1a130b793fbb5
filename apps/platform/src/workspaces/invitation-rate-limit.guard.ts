import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { AuthMetrics, type AuthenticatedRequest, RateLimiters, toTooManyRequests } from '@app/auth';
import { RateLimitConfig } from '@app/config';

const HOUR_SECONDS = 60 * 60;

/**
 * Counts the invitations a user sends: INVITATION_RATE_LIMIT per hour, per inviting user (the
 * principal the global guard put on the request), so nobody floods inboxes through Gatehouse.
 * Over it: 429 with `Retry-After`.
 */
@Injectable()
export class InvitationRateLimitGuard implements CanActivate {
  private readonly perUser: RateLimiterAbstract;

  constructor(
    limiters: RateLimiters,
    limits: RateLimitConfig,
    private readonly metrics: AuthMetrics,
  ) {
    this.perUser = limiters.create('invitations', limits.invitationRateLimit, HOUR_SECONDS);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { principal } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    try {
      await this.perUser.consume(principal.userId);
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.metrics.rateLimitRejected('invitation');
      throw toTooManyRequests(rejection);
    }
    return true;
  }
}
