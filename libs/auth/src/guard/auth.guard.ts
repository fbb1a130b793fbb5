import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { type Audience, SecurityConfig } from '@app/config';
import { AuthMetrics, type TokenRejection } from '../auth-metrics.js';
import { RevocationRegistry } from '../revocation/revocation-registry.js';
import { TokenProvider, TokenRejectedError } from '../tokens/token-provider.js';
import { REJECTIONS } from './auth-errors.js';
import type { AuthenticatedRequest } from './authenticated-request.js';
import { PUBLIC_ROUTE, ROUTE_AUDIENCES } from './route-access.decorators.js';

/** What a route accepts: nothing (public), or these audiences (already narrowed to the served ones). */
type RouteAccess = { public: true } | { public: false; audiences: ReadonlySet<Audience> } | { public: false; audiences: null };

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * The one global guard. Every route is public, or declares its audiences; a route with
 * neither is refused (and reported at start-up by RouteAccessAudit).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Per-handler access, resolved once: metadata lookups are not on the per-request path. */
  private readonly access = new Map<object, RouteAccess>();
  private readonly served: ReadonlySet<Audience>;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenProvider,
    private readonly revocations: RevocationRegistry,
    private readonly metrics: AuthMetrics,
    security: SecurityConfig,
  ) {
    this.served = new Set(security.audiences);
  }

  canActivate(context: ExecutionContext): boolean {
    const access = this.routeAccess(context);
    if (access.public) return true;
    if (access.audiences === null) return this.reject('audience');

    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    if (header === undefined || header === '') return this.reject('missing');
    const match = BEARER.exec(header);
    if (match === null) return this.reject('format');

    let claims;
    try {
      claims = this.tokens.verifyAccessToken(match[1]!);
    } catch (error) {
      if (error instanceof TokenRejectedError) return this.reject(error.reason);
      throw error;
    }
    if (this.revocations.isRevoked(claims.sid)) return this.reject('revoked');
    if (!claims.aud.some((audience) => access.audiences.has(audience))) return this.reject('audience');

    (request as AuthenticatedRequest).auth = { userId: claims.sub, sessionId: claims.sid, claims };
    return true;
  }

  private reject(reason: TokenRejection): never {
    this.metrics.tokenRejected(reason);
    throw REJECTIONS[reason];
  }

  private routeAccess(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    let access = this.access.get(handler);
    if (access === undefined) {
      access = this.resolve(context);
      this.access.set(handler, access);
    }
    return access;
  }

  private resolve(context: ExecutionContext): RouteAccess {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return { public: true };
    const declared = this.reflector.getAllAndOverride<Audience[] | undefined>(ROUTE_AUDIENCES, targets);
    if (declared === undefined) return { public: false, audiences: null };
    // An audience the deployment does not serve is refused even if a token carries it.
    return { public: false, audiences: new Set(declared.filter((audience) => this.served.has(audience))) };
  }
}
