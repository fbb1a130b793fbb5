import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthMetrics, type TokenRefusal } from '../auth-metrics.js';
import { RevokedSessions } from '../revocation/revoked-sessions.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import type { TokenClaims, TokenRejection } from '../tokens/token-claims.js';
import type { Audience } from '@app/config';
import { type AnyPrincipal, principalOf } from './principal.js';
import type { RouteAccess } from './route-access-table.js';

const BEARER_PREFIX = 'Bearer ';
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/** The decision on one request: let through (with its principal, when a token was verified), or refused and why. */
export type AccessDecision = { allowed: true; principal?: AnyPrincipal } | { allowed: false; refusal: TokenRefusal };

const ALLOWED: AccessDecision = { allowed: true };
const REFUSED = Object.fromEntries(
  (['missing', 'format', 'duplicate', 'invalid', 'expired', 'issuer', 'revoked', 'audience', 'client'] as const).map((refusal) => [
    refusal,
    { allowed: false, refusal },
  ]),
) as Record<TokenRefusal, AccessDecision>;

const DECISION = Symbol('gatehouse.accessDecision');
type DecidedRequest = FastifyRequest & { [DECISION]?: AccessDecision };

/** The decision already made on this request, if any. */
export function decisionOf(request: FastifyRequest): AccessDecision | undefined {
  return (request as DecidedRequest)[DECISION];
}

/**
 * The one place that decides whether a request may reach its route, and who it acts as: the
 * bearer token's form, its verification (`AccessTokenVerifier`), its session's revocation and
 * its audiences against the route's. It records the decision on the request (and the principal
 * as `request.principal`); everything else reads that. Synchronous unless the token needs a
 * full verification, so the common cases cost no promise.
 */
@Injectable()
export class RequestAuthenticator {
  /** The decisions on cached claims, per route: gone with the claims once the verified-token cache drops them. */
  private readonly decisions = new WeakMap<Readonly<TokenClaims>, Map<RouteAccess, AccessDecision>>();

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revoked: RevokedSessions,
    private readonly metrics: AuthMetrics,
  ) {}

  decide(request: FastifyRequest, access: RouteAccess): AccessDecision | Promise<AccessDecision> {
    if (access.public) return this.record(request, ALLOWED);
    const header = request.headers.authorization;
    if (header === undefined || header === '') return this.refuse(request, 'missing');
    // A token in the verified-token cache passed the format check when it was verified, so a
    // header sending it as `Bearer <token>` is looked up before the check; any other header
    // (another spelling of the scheme, anything around the token) gets the check first.
    const seen = header.startsWith(BEARER_PREFIX) ? this.verifier.cached(header.slice(BEARER_PREFIX.length)) : undefined;
    if (seen === undefined) {
      const match = BEARER.exec(header);
      if (match === null) return this.refuse(request, 'format');
      if (hasSeveralAuthorizations(request.raw.rawHeaders)) return this.refuse(request, 'duplicate');
      const token = match[1];
      const cached = this.verifier.cached(token);
      if (cached !== undefined) return this.admit(request, access, cached, true);
      return this.verifier.verify(token).then((verified) => this.admit(request, access, verified, false));
    }
    if (hasSeveralAuthorizations(request.raw.rawHeaders)) return this.refuse(request, 'duplicate');
    return this.admit(request, access, seen, true);
  }

  /**
   * Revocation is checked on every request; what follows from the claims and the route alone
   * (the audiences, the principal) is remembered for a token seen before (`seenBefore`), as
   * long as the verified-token cache keeps its claims, so that a cache hit builds nothing.
   */
  private admit(
    request: FastifyRequest,
    access: RouteAccess & { public: false },
    claims: Readonly<TokenClaims> | TokenRejection | 'expired',
    seenBefore: boolean,
  ): AccessDecision {
    if (typeof claims === 'string') return this.refuse(request, claims);
    if (this.revoked.revokes(claims)) return this.refuse(request, 'revoked');
    const decision = seenBefore ? this.rememberedDecision(claims, access) : decideByClaims(claims, access);
    if (!decision.allowed) return this.refuse(request, decision.refusal);
    (request as FastifyRequest & { principal: AnyPrincipal }).principal = decision.principal!;
    return this.record(request, decision);
  }

  private rememberedDecision(claims: Readonly<TokenClaims>, access: RouteAccess & { public: false }): AccessDecision {
    let byRoute = this.decisions.get(claims);
    if (byRoute === undefined) this.decisions.set(claims, (byRoute = new Map<RouteAccess, AccessDecision>()));
    let decision = byRoute.get(access);
    if (decision === undefined) byRoute.set(access, (decision = decideByClaims(claims, access)));
    return decision;
  }

  private refuse(request: FastifyRequest, refusal: TokenRefusal): AccessDecision {
    this.metrics.tokenRefused(refusal);
    return this.record(request, REFUSED[refusal]);
  }

  private record(request: FastifyRequest, decision: AccessDecision): AccessDecision {
    (request as DecidedRequest)[DECISION] = decision;
    return decision;
  }
}

/**
 * What the claims alone decide on a route: its audiences among the token's (resource URIs in
 * `aud` never match: routes are reached by surface), then whether it takes a client's own
 * token. A decision to let through carries the principal, frozen: it may be shared by requests.
 */
function decideByClaims(claims: Readonly<TokenClaims>, access: RouteAccess & { public: false }): AccessDecision {
  const audiences = claims.aud.filter((audience): audience is Audience => access.audiences.has(audience as Audience));
  if (audiences.length === 0) return REFUSED.audience;
  const principal = principalOf(claims, Object.freeze(audiences));
  if (principal.kind === 'client' && !access.clients) return REFUSED.client;
  return Object.freeze({ allowed: true, principal: Object.freeze(principal) });
}

/** Whether the request carried more than one Authorization header (Node's `headers` keeps the first only). */
function hasSeveralAuthorizations(rawHeaders: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) return true;
  }
  return false;
}
