import jwt from 'jsonwebtoken';
import { randomUUID } from 'node:crypto';
import { fingerprintSecret } from '@app/config';

export const TEST_SECRET = 'gatehouse-e2e-signing-secret-0123456789abcdef';
export const TEST_ISSUER = 'gatehouse-e2e';
export const PASSWORD = 'correct horse battery staple';

export interface TokenPairBody {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
  refresh_expires_in: number;
  audience: string[];
  user: { id: string; email: string; name: string | null; disabled: boolean };
}

/** A response body as JSON, typed by the caller (tests assert its shape). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json<T = any>(response: Response): Promise<T> {
  return (await response.json()) as T;
}

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomUUID()}@example.com`;
}

export function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  });
}

export async function registerUser(
  baseUrl: string,
  email = uniqueEmail(),
  password = PASSWORD,
): Promise<{ id: string; email: string; password: string }> {
  const response = await request(baseUrl, 'POST', '/auth/register', { body: { email, password } });
  if (response.status !== 201) throw new Error(`register failed: ${response.status} ${await response.text()}`);
  const { user } = (await response.json()) as { user: { id: string; email: string } };
  return { ...user, password };
}

export async function login(
  baseUrl: string,
  email: string,
  password = PASSWORD,
  extra: Record<string, unknown> = {},
): Promise<TokenPairBody> {
  const response = await request(baseUrl, 'POST', '/auth/login', { body: { email, password, ...extra } });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as TokenPairBody;
}

/** A new user, logged in. */
export async function signIn(baseUrl: string, extra: Record<string, unknown> = {}): Promise<TokenPairBody & { email: string }> {
  const user = await registerUser(baseUrl);
  return { ...(await login(baseUrl, user.email, PASSWORD, extra)), email: user.email };
}

export function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const decoded = jwt.decode(token, { complete: true });
  if (decoded === null || typeof decoded.payload === 'string') throw new Error('not a JWT');
  return { header: decoded.header as unknown as Record<string, unknown>, payload: decoded.payload };
}

/**
 * Signs arbitrary claims, by default as a valid access token of the test deployment: the
 * attacker's tool in the token tests.
 */
export function forge(
  claims: Record<string, unknown>,
  options: { secret?: string; algorithm?: jwt.Algorithm; typ?: string; kid?: string | null } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: TEST_ISSUER,
    aud: ['web', 'api', 'a2a', 'mcp'],
    sub: randomUUID(),
    sid: randomUUID(),
    jti: randomUUID(),
    iat: now,
    exp: now + 600,
    ...claims,
  };
  for (const [key, value] of Object.entries(payload)) if (value === undefined) delete (payload as Record<string, unknown>)[key];
  const secret = options.secret ?? TEST_SECRET;
  // The key id Gatehouse gives the secret's tokens (its fingerprint), as a forger who knew it would.
  const kid = options.kid === null ? undefined : (options.kid ?? fingerprintSecret(secret));
  return jwt.sign(payload, secret, {
    algorithm: options.algorithm ?? 'HS256',
    header: { alg: options.algorithm ?? 'HS256', typ: options.typ ?? 'at+jwt', kid },
  });
}

/** Re-signs a real token's claims (to change one claim while keeping the rest). */
export function withClaims(token: string, changes: Record<string, unknown>, typ?: string): string {
  const { header, payload } = decode(token);
  return forge({ ...payload, ...changes }, { typ: typ ?? (header.typ as string) });
}
