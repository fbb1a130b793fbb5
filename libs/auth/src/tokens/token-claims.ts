import { type Audience, AUDIENCES } from '@app/config';

/** Access and refresh tokens are told apart by the JOSE `typ` header (RFC 9068 for `at+jwt`). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';
/** Clock skew tolerated on `exp`, `nbf` and `iat` (SPEC section 2). */
export const CLOCK_SKEW_SECONDS = 30;
/**
 * How much longer than the configured lifetime a token's own lifetime (`exp - iat`) may be.
 * A token that lived longer was issued under a longer lifetime setting: once the setting is
 * lowered, it no longer counts (and the revoked-session set, which keeps revocations for the
 * configured lifetime, then covers every token still accepted).
 */
export const LIFETIME_LEEWAY_SECONDS = CLOCK_SKEW_SECONDS;

/** The actor a token was delegated to (RFC 8693 section 4.1); `act` inside it is the actor before, if any. */
export interface ActorClaim {
  sub: string;
  act?: ActorClaim;
}

/** The verified claims of a Gatehouse token. */
export interface TokenClaims {
  iss: string;
  /**
   * Surfaces (`web`, `api`, `a2a`, `mcp`; at least one) and, for a token narrowed to resource
   * servers, their absolute URIs (RFC 8707). Routes match on the surfaces only.
   */
  aud: string[];
  /** A user id, or `client:<client_id>` for a client's own token. */
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  /** Refresh tokens: when the session began (its login), which bounds how long it may be refreshed. */
  auth_time?: number;
  /** Space-separated scopes the token is narrowed to (none: not narrowed by scope). */
  scope?: string;
  /** The client the token was issued to, when one authenticated (RFC 9068). */
  client_id?: string;
  /** A token narrowed to one workspace, and the subject's role there when it was issued. */
  workspace_id?: string;
  workspace_role?: string;
  act?: ActorClaim;
  /**
   * Gatehouse's own: the sessions of the clients a token was exchanged by or for. Revoking one
   * (disabling the client) revokes the token, as revoking `sid` does.
   */
  client_sids?: string[];
}

/** The `sub` of a client's own token (client credentials). */
export const CLIENT_SUBJECT_PREFIX = 'client:';
/** Actors nested in `act` at most (the current one included): a chain of delegations, not a tower. */
export const MAX_ACTOR_DEPTH = 8;
/** The longest resource URI a token may carry. */
export const MAX_RESOURCE_URI_LENGTH = 2048;
const WORKSPACE_ROLES: ReadonlySet<unknown> = new Set(['owner', 'admin', 'member']);

/** Why a presented token was refused: what the 401 says (`Invalid token`, `Token expired`, `Invalid issuer`). */
export type TokenRejection = 'invalid' | 'expired' | 'issuer';

const KNOWN_AUDIENCES: ReadonlySet<string> = new Set(AUDIENCES);

/** What a token is checked against: its type, the issuer, the current lifetime setting and the time. */
export interface ExpectedClaims {
  type: string;
  issuer: string;
  /** The configured lifetime of this type of token, in seconds (access tokens; a session's own expiry bounds refresh tokens). */
  maxLifetime?: number;
  now: number;
}

/**
 * The claims Gatehouse requires of a token whose signature, algorithm and expiry were already
 * verified: its type, no critical header extension, every claim present and well-typed, the issuer, `iat` not in the future,
 * a lifetime no longer than the configured one (plus leeway; a longer one is `expired`: the
 * client refreshes, and gets a token of today's lifetime). Returns the claims, or why the
 * token is refused.
 */
export function checkClaims(
  header: { typ?: unknown; crit?: unknown },
  payload: Record<string, unknown>,
  expected: ExpectedClaims,
): TokenClaims | TokenRejection {
  // Gatehouse understands no JWS extension, so a token that makes one critical is refused (RFC 7515 section 4.1.11).
  if (header.typ !== expected.type || header.crit !== undefined) return 'invalid';
  const { iss, aud, sub, sid, jti, iat, exp, auth_time, scope, client_id, workspace_id, workspace_role, act, client_sids } = payload;
  if (
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    iat > expected.now + CLOCK_SKEW_SECONDS ||
    typeof sub !== 'string' ||
    typeof sid !== 'string' ||
    typeof jti !== 'string' ||
    (auth_time !== undefined && typeof auth_time !== 'number') ||
    !isAudienceList(aud) ||
    (scope !== undefined && typeof scope !== 'string') ||
    (client_id !== undefined && typeof client_id !== 'string') ||
    // A workspace comes with the role, or not at all.
    (workspace_id === undefined) !== (workspace_role === undefined) ||
    (workspace_id !== undefined && typeof workspace_id !== 'string') ||
    (workspace_role !== undefined && !WORKSPACE_ROLES.has(workspace_role)) ||
    (act !== undefined && !isActor(act, 1)) ||
    (client_sids !== undefined && !isSessionList(client_sids))
  ) {
    return 'invalid';
  }
  if (iss !== expected.issuer) return 'issuer';
  if (expected.maxLifetime !== undefined && exp - iat > expected.maxLifetime + LIFETIME_LEEWAY_SECONDS) return 'expired';
  const claims: TokenClaims = { iss, aud, sub, sid, jti, iat, exp };
  if (typeof auth_time === 'number') claims.auth_time = auth_time;
  if (scope !== undefined) claims.scope = scope;
  if (client_id !== undefined) claims.client_id = client_id;
  if (workspace_id !== undefined) {
    claims.workspace_id = workspace_id;
    claims.workspace_role = workspace_role as string;
  }
  if (act !== undefined) claims.act = act as ActorClaim;
  if (client_sids !== undefined) claims.client_sids = client_sids as string[];
  return claims;
}

/** Whether `entry` is one of the four surfaces. */
export function isSurface(entry: string): entry is Audience {
  return KNOWN_AUDIENCES.has(entry);
}

/**
 * Whether `entry` is a resource indicator as RFC 8707 section 2 allows it: an absolute URI (a
 * scheme, then more), without a fragment, of bounded length. Surfaces are plain words, so the
 * two never meet.
 */
export function isResourceUri(entry: string): boolean {
  if (entry.length > MAX_RESOURCE_URI_LENGTH || entry.includes('#') || !/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/.test(entry)) return false;
  return URL.canParse(entry);
}

/** At least one surface, and otherwise resource URIs only. */
function isAudienceList(value: unknown): value is string[] {
  if (!Array.isArray(value) || value.length === 0) return false;
  let surfaces = 0;
  for (const entry of value) {
    if (typeof entry !== 'string') return false;
    if (isSurface(entry)) surfaces++;
    else if (!isResourceUri(entry)) return false;
  }
  return surfaces > 0;
}

function isActor(value: unknown, depth: number): boolean {
  if (depth > MAX_ACTOR_DEPTH || typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  return typeof sub === 'string' && (act === undefined || isActor(act, depth + 1));
}

/** `client_sids`: a short non-empty list of session ids. */
function isSessionList(value: unknown): boolean {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.length <= 2 * MAX_ACTOR_DEPTH &&
    value.every((entry) => typeof entry === 'string' && entry.length > 0 && entry.length <= 64)
  );
}
