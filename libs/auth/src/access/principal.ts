import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Audience } from '@app/config';
import type { TokenClaims } from '../tokens/token-claims.js';

/** Who a request with a verified access token acts as: what handlers authorize by. */
export interface Principal {
  userId: string;
  sessionId: string;
  /** The token's audiences that the route accepts (and the deployment serves). */
  audiences: readonly Audience[];
  claims: Readonly<TokenClaims>;
}

export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

/**
 * The principal of the request, in a handler of a route that needs a token:
 * `me(@CurrentPrincipal() principal: Principal)`.
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
