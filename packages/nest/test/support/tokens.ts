import { createHmac, randomUUID } from 'node:crypto';
import { type CryptoKey, type JWTPayload, type KeyObject, SignJWT } from 'jose';

export const ISSUER = 'gatehouse-kit-test';
export const SECRET = 'kit-test-secret-of-at-least-thirty-two-bytes';
export const PREVIOUS_SECRET = 'kit-test-previous-secret-also-thirty-two-bytes';

export interface TokenOptions {
  claims?: JWTPayload;
  /** Claims to leave out of the defaults. */
  without?: string[];
  header?: Record<string, unknown>;
  alg?: string;
  kid?: string;
  key?: CryptoKey | KeyObject | Uint8Array;
  /** Lifetime in seconds from `iat` (default 900). */
  lifetime?: number;
  /** `iat` relative to now, in seconds (default 0). */
  issuedAt?: number;
}

/** A Gatehouse-shaped access token (SPEC sections 2 and 6), HS256 with SECRET unless told otherwise. */
export async function accessToken(options: TokenOptions = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) + (options.issuedAt ?? 0);
  const claims: JWTPayload = {
    iss: ISSUER,
    aud: ['web', 'api'],
    sub: randomUUID(),
    sid: randomUUID(),
    jti: randomUUID(),
    iat: now,
    exp: now + (options.lifetime ?? 900),
    ...options.claims,
  };
  for (const name of options.without ?? []) delete claims[name];
  const alg = options.alg ?? 'HS256';
  return new SignJWT(claims)
    .setProtectedHeader({ alg, typ: 'at+jwt', kid: options.kid ?? 'kid-1', ...options.header })
    .sign(options.key ?? new TextEncoder().encode(SECRET));
}

/** A token signed by hand (HS256 with SECRET, or unsigned for `alg: none`), for headers jose refuses to produce. */
export function handMadeToken(header: Record<string, unknown>, payload: JWTPayload): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const signingInput = `${encode(header)}.${encode(payload)}`;
  if (header.alg === 'none') return `${signingInput}.`;
  return `${signingInput}.${createHmac('sha256', SECRET).update(signingInput).digest('base64url')}`;
}

/** The claims `accessToken()` would put in, for hand-made tokens. */
export function defaultClaims(): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: ['web', 'api'], sub: randomUUID(), sid: randomUUID(), jti: randomUUID(), iat: now, exp: now + 900 };
}
