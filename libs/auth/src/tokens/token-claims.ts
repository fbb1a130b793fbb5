import { type Audience, AUDIENCES } from '@app/config';

/** Access and refresh tokens are told apart by the JOSE `typ` header (RFC 9068 for `at+jwt`). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';
/** Clock skew tolerated on `exp`, `nbf` and `iat` (SPEC section 2). */
export const CLOCK_SKEW_SECONDS = 30;

/** The verified claims of a Gatehouse token. */
export interface TokenClaims {
  iss: string;
  aud: Audience[];
  sub: string;
  sid: string;
  jti: string;
  iat: number;
  exp: number;
}

/** Why a presented token was refused: what the 401 says (`Invalid token`, `Token expired`, `Invalid issuer`). */
export type TokenRejection = 'invalid' | 'expired' | 'issuer';

const KNOWN_AUDIENCES: ReadonlySet<string> = new Set(AUDIENCES);

/**
 * The claims Gatehouse requires of a token whose signature, algorithm and expiry were already
 * verified: its type, every claim present and well-typed, the issuer, `iat` not in the future.
 * Returns the claims, or why the token is refused.
 */
export function checkClaims(
  header: { typ?: unknown },
  payload: Record<string, unknown>,
  expected: { type: string; issuer: string; now: number },
): TokenClaims | TokenRejection {
  if (header.typ !== expected.type) return 'invalid';
  const { iss, aud, sub, sid, jti, iat, exp } = payload;
  if (
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    iat > expected.now + CLOCK_SKEW_SECONDS ||
    typeof sub !== 'string' ||
    typeof sid !== 'string' ||
    typeof jti !== 'string' ||
    !isAudienceList(aud)
  ) {
    return 'invalid';
  }
  if (iss !== expected.issuer) return 'issuer';
  return { iss, aud, sub, sid, jti, iat, exp };
}

function isAudienceList(value: unknown): value is Audience[] {
  return Array.isArray(value) && value.length > 0 && value.every((entry) => KNOWN_AUDIENCES.has(entry as string));
}
