import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { type Audience, SecurityConfig } from '@app/config';
import { AuthMetrics, type TokenRejection } from '../auth-metrics.js';
import { RevocationRegistry } from '../revocation/revocation-registry.js';
import { TokenProvider } from '../tokens/token-provider.js';
import { type BearerChallengeException, REJECTIONS } from './auth-errors.js';
import type { AuthenticatedRequest } from './authenticated-request.js';
import { PUBLIC_ROUTE, ROUTE_AUDIENCES } from './route-access.decorators.js';

/** What a route accepts: nothing (public), or these audiences (already narrowed to the served ones). */
export type RouteAccess = { public: true } | { public: false; audiences: ReadonlySet<Audience> } | { public: false; audiences: null };

const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** The access a request was already let through for (by EarlyRejection), decided once per request. */
const ACCEPTED_FOR = Symbol('gatehouse.acceptedFor');
type DecidedRequest = FastifyRequest & { [ACCEPTED_FOR]?: RouteAccess };

/** The Fastify route a request matched, as the guard learns it: its config, one object per route. */
function routeOf(request: FastifyRequest): object | undefined {
  return request.routeOptions.config;
}

/**
 * The one global guard, and the one place where a request is let through or refused. Every
 * route is public, or declares its audiences; a route with neither is refused (and reported at
 * start-up by RouteAccessAudit).
 */
@Injectable()
export class AuthGuard implements CanActivate {
  /** Per-handler access, resolved once: metadata lookups are not on the per-request path. */
  private readonly access = new Map<object, RouteAccess>();
  /**
   * The same, by Fastify route, as requests reveal which handler serves which route: what
   * EarlyRejection refuses by before Nest runs. Null for a route seen with two handlers.
   */
  private readonly byRoute = new WeakMap<object, RouteAccess | null>();
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
    const request = context.switchToHttp().getRequest<DecidedRequest>();
    const access = this.routeAccess(context, request);
    // Already let through for this very access (the same object the handler resolves to).
    if (request[ACCEPTED_FOR] === access) return true;
    const outcome = this.authenticate(request, access);
    if (outcome === true) return true;
    throw this.rejected(outcome);
  }

  /**
   * EarlyRejection's decision, before Nest runs, for the access of the route the request
   * matched: a refusal to answer at once, or true, recorded so that the guard does not verify
   * the same token again when the handler's access is that same access.
   */
  decideEarly(request: FastifyRequest, access: RouteAccess): true | TokenRejection {
    const outcome = this.authenticate(request, access);
    if (outcome === true) (request as DecidedRequest)[ACCEPTED_FOR] = access;
    return outcome;
  }

  /**
   * Whether `request` may reach a route with this access: true (with `request.auth` set when a
   * token was verified), or why not. Never throws for a bad token.
   */
  authenticate(request: FastifyRequest, access: RouteAccess): true | TokenRejection {
    if (access.public) return true;
    if (access.audiences === null) return 'audience';
    const header = request.headers.authorization;
    if (header === undefined || header === '') return 'missing';
    const match = BEARER.exec(header);
    if (match === null) return 'format';
    const claims = this.tokens.checkAccessToken(match[1]!);
    if (typeof claims === 'string') return claims;
    if (this.revocations.isRevoked(claims.sid)) return 'revoked';
    if (!claims.aud.some((audience) => access.audiences.has(audience))) return 'audience';
    (request as AuthenticatedRequest).auth = { userId: claims.sub, sessionId: claims.sid, claims };
    return true;
  }

  /** Counts a refusal and returns the exception (and response) that answers it. */
  rejected(reason: TokenRejection): BearerChallengeException {
    this.metrics.tokenRejected(reason);
    return REJECTIONS[reason];
  }

  /** The access of the route `request` matched, once the guard has seen a request to it. */
  accessOfRoute(request: FastifyRequest): RouteAccess | undefined {
    const route = routeOf(request);
    return (route === undefined ? undefined : this.byRoute.get(route)) ?? undefined;
  }

  private routeAccess(context: ExecutionContext, request: FastifyRequest): RouteAccess {
    const handler = context.getHandler();
    let access = this.access.get(handler);
    if (access === undefined) {
      access = this.resolve(context);
      this.access.set(handler, access);
    }
    const route = routeOf(request);
    if (route !== undefined) {
      const known = this.byRoute.get(route);
      if (known === undefined) this.byRoute.set(route, access);
      else if (known !== null && known !== access) this.byRoute.set(route, null);
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
