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

/** The verified claims of a Gatehouse token. */
export interface TokenClaims {
  iss: string;
  aud: Audience[];
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
  /** Refresh tokens: when the session began (its login), which bounds how long it may be refreshed. */
  auth_time?: number;
}

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
  const { iss, aud, sub, sid, jti, iat, exp, auth_time } = payload;
  if (
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    iat > expected.now + CLOCK_SKEW_SECONDS ||
    typeof sub !== 'string' ||
    typeof sid !== 'string' ||
    typeof jti !== 'string' ||
    (auth_time !== undefined && typeof auth_time !== 'number') ||
    !isAudienceList(aud)
  ) {
    return 'invalid';
  }
  if (iss !== expected.issuer) return 'issuer';
  if (expected.maxLifetime !== undefined && exp - iat > expected.maxLifetime + LIFETIME_LEEWAY_SECONDS) return 'expired';
  const claims: TokenClaims = { iss, aud, sub, sid, jti, iat, exp };
  if (typeof auth_time === 'number') claims.auth_time = auth_time;
  return claims;
}

function isAudienceList(value: unknown): value is Audience[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => KNOWN_AUDIENCES.has(entry as string));
}
