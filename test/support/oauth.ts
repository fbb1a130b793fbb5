import * as oauth from 'oauth4webapi';
import { TEST_ISSUER } from './auth-client.js';
import { runGatehouse } from './gatehouse-process.js';
import { testDatabaseUrl } from './test-database.js';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
/** oauth4webapi talks to 127.0.0.1 over plain HTTP in the tests. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

export interface RegisteredClient extends oauth.Client {
  client_id: string;
  client_secret: string;
  name: string;
  audiences: string[];
  resources: string[];
}

/** Gatehouse as oauth4webapi sees an authorization server: its endpoints under `base`. */
export function authorizationServer(base: string): oauth.AuthorizationServer {
  return {
    issuer: TEST_ISSUER,
    token_endpoint: `${base}/oauth/token`,
    introspection_endpoint: `${base}/oauth/introspect`,
    revocation_endpoint: `${base}/oauth/revoke`,
  };
}

/** The environment of a `gatehouse` command on the test database. */
export function commandEnvironment(extra: Record<string, string> = {}): Record<string, string> {
  return { PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'silent', ...extra };
}

/** Registers a client with the real `gatehouse client create --json`. */
export async function createClient(name: string, audiences: string, resources: string[] = []): Promise<RegisteredClient> {
  const result = await runGatehouse(
    ['client', 'create', '--name', name, '--audiences', audiences, ...resources.flatMap((resource) => ['--resource', resource]), '--json'],
    commandEnvironment(),
  );
  if (result.code !== 0) throw new Error(`client create failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as RegisteredClient;
}

/** The OAuth error of a refused oauth4webapi call: its status and body. */
export async function oauthRefusal(call: Promise<unknown>): Promise<{ status: number; error: string; description: string }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) {
      return { status: error.status, error: error.error, description: String(error.error_description) };
    }
    if (error instanceof oauth.WWWAuthenticateChallengeError) {
      const body = (await error.response.json()) as { error: string; error_description: string };
      return { status: error.status, error: body.error, description: body.error_description };
    }
    throw error;
  }
  throw new Error('expected an OAuth error');
}

/** A form POST built by hand, for what no client library would send. */
export function postForm(url: string, body: string | URLSearchParams, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: body.toString(),
  });
}

/** The HTTP Basic header of a client (RFC 6749 section 2.3.1: id and secret form-encoded first). */
export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Asserts an RFC 6749 section 5.2 error answer, and that it is not cached. */
export async function expectOAuthError(response: Response, status: number, error: string, description?: string | RegExp): Promise<void> {
  const body = (await response.json()) as Record<string, unknown>;
  expect({ status: response.status, body }).toEqual({
    status,
    body: {
      error,
      error_description:
        description === undefined ? expect.any(String) : description instanceof RegExp ? expect.stringMatching(description) : description,
    },
  });
  expect(response.headers.get('cache-control')).toBe('no-store');
  if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Basic realm="gatehouse"');
}
