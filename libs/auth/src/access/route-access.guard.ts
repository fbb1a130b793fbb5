import { type CanActivate, type ExecutionContext, ForbiddenException, Injectable, Logger } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { decisionOf } from './request-authenticator.js';

/**
 * The global guard (APP_GUARD) every Nest route passes: it reads the decision the request hook
 * made (`AccessDecisionHook`) and never makes one of its own. A request that reaches a handler
 * undecided means a route bypassed the hook: refused, never let through.
 */
@Injectable()
export class RouteAccessGuard implements CanActivate {
  private readonly logger = new Logger('RouteAccessGuard');

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const decision = decisionOf(request);
    if (decision?.allowed === true) return true;
    // A refusal was answered by the hook already; only an undecided request gets here.
    this.logger.error(`No access decision for ${request.method} ${request.url.split('?', 1)[0]}; refused`);
    throw new ForbiddenException('Access to this route was not decided');
  }
}
