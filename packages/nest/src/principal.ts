import type { JWTPayload } from 'jose';
import type { Surface } from './surfaces.js';

export type WorkspaceRole = 'owner' | 'admin' | 'member';

/** RFC 8693's actor claim: who acts on the subject's behalf (nested when an actor delegated further). */
export interface Actor {
  sub: string;
  act?: Actor;
}

/**
 * Who a request with a verified Gatehouse access token acts as: what handlers authorize by.
 * A user's token has `sub` = the user id; a client's (client credentials) has `sub` =
 * `client:<client_id>`.
 */
export interface GatehousePrincipal {
  kind: 'user' | 'client';
  /** The token's `sub`, as it is. */
  subject: string;
  /** The user's id (user tokens). */
  userId?: string;
  /** The client: the one the token was issued to (`client_id`), or the subject of a client token. */
  clientId?: string;
  /** The Gatehouse session (`sid`): revoking it revokes the token. */
  sessionId?: string;
  /** The token's surfaces that this route accepts (all of the token's surfaces outside a route). */
  audiences: Surface[];
  /** The resource URIs the token carries in `aud` (RFC 8707). */
  resources: string[];
  /** Set by a token exchange with `workspace_id`. */
  workspaceId?: string;
  workspaceRole?: WorkspaceRole;
  /** Set when a client acts on the subject's behalf (token exchange with `actor_token`). */
  actor?: Actor;
  scope?: string[];
  expiresAt: Date;
  /** The access token itself, e.g. to exchange it for a narrower one. */
  token: string;
  /** Every verified claim. */
  claims: JWTPayload;
}
