import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Audience } from '@app/config';
import { DomainError } from '@app/errors';
import { type ActorClaim, CLIENT_SUBJECT_PREFIX, isSurface, type TokenClaims } from '../tokens/token-claims.js';

/** What every principal carries, read from its verified token. */
interface PrincipalBase {
  sessionId: string;
  /** The token's audiences that the route accepts (and the deployment serves). */
  audiences: readonly Audience[];
  /** The resource servers the token is narrowed to (RFC 8707 URIs in `aud`); empty when it is not. */
  resources: readonly string[];
  /** The client the token was issued to (`client_id`), when one authenticated for it. */
  clientId: string | undefined;
  /** The workspace the token is narrowed to, with the subject's role there when it was issued. */
  workspace: { id: string; role: string } | undefined;
  /** Who acts with the token on the subject's behalf (`act`), the current actor first. */
  actor: ActorClaim | undefined;
  /** The scopes the token is narrowed to; undefined when it is not narrowed by scope. */
  scopes: readonly string[] | undefined;
  claims: Readonly<TokenClaims>;
}

/** A token that acts for a user (a login's, or one exchanged from it). */
export interface Principal extends PrincipalBase {
  kind: 'user';
  userId: string;
}

/** A client's own token (`sub` = `client:<id>`, from the client credentials grant). */
export interface ClientPrincipal extends PrincipalBase {
  kind: 'client';
  clientId: string;
}

/** Who a request with a verified access token acts as: what handlers authorize by. */
export type AnyPrincipal = Principal | ClientPrincipal;

/** A request past the guard on a route that acts for a user; one that accepts clients holds an `AnyPrincipal`. */
export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

const NO_RESOURCES: readonly string[] = Object.freeze([]);

/**
 * The principal of a verified token, seen by a route that accepts these of its audiences: a
 * handful of property reads, made once per token and route (`RequestAuthenticator`).
 */
export function principalOf(claims: Readonly<TokenClaims>, audiences: readonly Audience[]): AnyPrincipal {
  const isClient = claims.sub.startsWith(CLIENT_SUBJECT_PREFIX);
  const fields = {
    sessionId: claims.sid,
    audiences,
    resources: claims.aud.length === audiences.length ? NO_RESOURCES : claims.aud.filter((entry) => !isSurface(entry)),
    workspace: claims.workspace_id === undefined ? undefined : { id: claims.workspace_id, role: claims.workspace_role! },
    actor: claims.act,
    scopes: claims.scope === undefined ? undefined : claims.scope.split(' ').filter((scope) => scope !== ''),
    claims,
  };
  return isClient
    ? { kind: 'client', ...fields, clientId: claims.sub.slice(CLIENT_SUBJECT_PREFIX.length) }
    : { kind: 'user', ...fields, clientId: claims.client_id, userId: claims.sub };
}

/**
 * The principal of the request, in a handler of a route that needs a token:
 * `me(@CurrentPrincipal() principal: Principal)`. Routes acting for a user get a user's
 * principal only (a client's own token is refused before them); a route that also accepts
 * clients' tokens (`@AcceptsClientTokens()`) types it `AnyPrincipal`.
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AnyPrincipal => context.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);

/** 403: a token narrowed by token exchange, on a route that acts for the user's whole account. */
export class NarrowedTokenRefused extends DomainError {
  constructor() {
    super('forbidden', "This token is narrowed (to a workspace, an actor or scopes): this route acts for the user's whole account");
  }
}

/**
 * Token exchange narrows and never widens: a token narrowed to a workspace, delegated to an
 * actor or limited to scopes does not reach the routes that act for the user's whole account
 * (signing every device out, listing and ending sessions).
 */
export function assertAccountWide(principal: Principal): void {
  if (principal.workspace !== undefined || principal.actor !== undefined || principal.scopes !== undefined)
    throw new NarrowedTokenRefused();
}
