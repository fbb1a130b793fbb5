import type { components, operations } from './gatehouse-api.js';
import {
  ACCESS_TOKEN_TYPE_URN,
  type OAuthErrorResponse,
  type OAuthTokenResponse,
  TOKEN_EXCHANGE_GRANT,
  type TokenExchangeResponse,
} from './oauth-types.js';
import type { Surface } from '../surfaces.js';

export type LoginRequest = components['schemas']['LoginDto'];
export type TokenPairResponse = components['schemas']['TokenPairResponse'];
export type RefreshRequest = components['schemas']['RefreshDto'];
export type UserResponse = components['schemas']['UserResponse'];
export type ErrorResponse = components['schemas']['ErrorResponse'];
export type LogoutScope = NonNullable<NonNullable<operations['logout']['parameters']['query']>['scope']>;
export type { OAuthTokenResponse, TokenExchangeResponse };

export interface GatehouseClientOptions {
  /** Gatehouse's base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  /** A `fetch` of your own (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
  /** A client made with `gatehouse client create`: needed for `clientCredentials()`, sent with `exchange()` when given. */
  clientId?: string;
  clientSecret?: string;
  /** `accessToken()` refreshes when the token has less than this left, in seconds (default 30; at most half its lifetime). */
  refreshMarginSeconds?: number;
}

/** The tokens the client holds after `login()` (or `useTokens()`). */
export interface HeldTokens {
  accessToken: string;
  refreshToken: string;
  /** When the access token expires (from `expires_in`, as received). */
  accessTokenExpiresAt: Date;
}

export interface ExchangeRequest {
  /** The token to narrow; by default the client's own access token (refreshed if needed). */
  subjectToken?: string;
  /** One or more surfaces, among the subject token's. */
  audience: Surface | Surface[];
  /** Resource URIs (RFC 8707) the new token is for, e.g. an MCP server's URL. */
  resource?: string | string[];
  workspaceId?: string;
  /** A client's own access token: the new token then carries `act: {sub: "client:<id>"}`. */
  actorToken?: string;
  scope?: string | string[];
}

export interface ClientCredentialsRequest {
  audience?: Surface | Surface[];
  resource?: string | string[];
  scope?: string | string[];
}

/** A refusal from Gatehouse (or a failure to reach it: `status` 0). */
export class GatehouseClientError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when Gatehouse was not reached. */
    readonly status: number,
    /** The OAuth error code (`invalid_grant`, …) on the OAuth endpoints. */
    readonly code?: string,
    /** The answer's body, as parsed. */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'GatehouseClientError';
  }
}

/**
 * A small client of Gatehouse for apps and agents: it signs in, keeps the token pair, refreshes
 * it (one refresh at a time, however many callers ask at once: a second concurrent refresh of
 * a rotated refresh token would be a replay), signs out, and exchanges tokens. No Nest needed.
 * Its request and response types are generated from Gatehouse's OpenAPI document.
 */
export class GatehouseClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly refreshMarginMs: number;
  private held: HeldTokens | undefined;
  /** When `accessToken()` starts refreshing (epoch ms). */
  private refreshAt = 0;
  private refreshing: Promise<TokenPairResponse> | undefined;

  constructor(private readonly options: GatehouseClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.refreshMarginMs = (options.refreshMarginSeconds ?? 30) * 1000;
  }

  /** The tokens held, if signed in. */
  get tokens(): Readonly<HeldTokens> | undefined {
    return this.held;
  }

  /** Holds a token pair obtained elsewhere (e.g. restored from storage). */
  useTokens(pair: Pick<TokenPairResponse, 'access_token' | 'refresh_token' | 'expires_in'>): void {
    this.hold(pair);
  }

  /** `POST /auth/login`; the client then holds the pair. */
  async login(email: string, password: string, options: { audience?: Surface | Surface[] } = {}): Promise<TokenPairResponse> {
    const body: LoginRequest = { email, password };
    if (options.audience !== undefined) body.audience = options.audience;
    const pair = await this.postJson<TokenPairResponse>('/auth/login', body);
    this.hold(pair);
    return pair;
  }

  /**
   * `POST /auth/refresh` with the held refresh token; the client then holds the new pair.
   * Callers that ask while a refresh is under way share its answer.
   */
  refresh(): Promise<TokenPairResponse> {
    this.refreshing ??= this.refreshOnce().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The held access token, refreshed first when it expires within the margin. */
  async accessToken(): Promise<string> {
    const held = this.requireTokens();
    if (Date.now() < this.refreshAt) return held.accessToken;
    return (await this.refresh()).access_token;
  }

  /** `GET /auth/me`: the signed-in user. */
  async me(): Promise<UserResponse> {
    const response = await this.send('/auth/me', { method: 'GET', headers: { authorization: `Bearer ${await this.accessToken()}` } });
    return (await this.read<{ user: UserResponse }>(response)).user;
  }

  /** `POST /auth/logout` (`scope`: `local`, the default, `global` or `others`); the client forgets the tokens. */
  async logout(options: { scope?: LogoutScope } = {}): Promise<void> {
    const token = await this.accessToken();
    const query = options.scope === undefined ? '' : `?scope=${encodeURIComponent(options.scope)}`;
    const response = await this.send(`/auth/logout${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (options.scope !== 'others') this.held = undefined;
    await this.read<undefined>(response);
  }

  /**
   * RFC 8693 token exchange at `POST /oauth/token`: a narrower token (surfaces, resource,
   * workspace, actor) from the client's own access token or `subjectToken`.
   */
  async exchange(request: ExchangeRequest): Promise<TokenExchangeResponse> {
    const form = new URLSearchParams({
      grant_type: TOKEN_EXCHANGE_GRANT,
      subject_token: request.subjectToken ?? (await this.accessToken()),
      subject_token_type: ACCESS_TOKEN_TYPE_URN,
    });
    appendAll(form, 'audience', request.audience);
    appendAll(form, 'resource', request.resource);
    if (request.workspaceId !== undefined) form.set('workspace_id', request.workspaceId);
    if (request.actorToken !== undefined) {
      form.set('actor_token', request.actorToken);
      form.set('actor_token_type', ACCESS_TOKEN_TYPE_URN);
    }
    if (request.scope !== undefined) form.set('scope', [request.scope].flat().join(' '));
    return this.postForm<TokenExchangeResponse>('/oauth/token', form, this.basicAuthorization());
  }

  /** `grant_type=client_credentials` at `POST /oauth/token`: a token for the client itself (`sub` = `client:<id>`). */
  async clientCredentials(request: ClientCredentialsRequest = {}): Promise<OAuthTokenResponse> {
    const authorization = this.basicAuthorization();
    if (authorization === undefined) throw new GatehouseClientError('clientCredentials() needs the clientId and clientSecret options', 0);
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    appendAll(form, 'audience', request.audience);
    appendAll(form, 'resource', request.resource);
    if (request.scope !== undefined) form.set('scope', [request.scope].flat().join(' '));
    return this.postForm<OAuthTokenResponse>('/oauth/token', form, authorization);
  }

  private async refreshOnce(): Promise<TokenPairResponse> {
    const body: RefreshRequest = { refresh_token: this.requireTokens().refreshToken };
    try {
      const pair = await this.postJson<TokenPairResponse>('/auth/refresh', body);
      this.hold(pair);
      return pair;
    } catch (error) {
      // A refused refresh token will not work again: sign in anew.
      if (error instanceof GatehouseClientError && error.status === 401) this.held = undefined;
      throw error;
    }
  }

  private hold(pair: Pick<TokenPairResponse, 'access_token' | 'refresh_token' | 'expires_in'>): void {
    const lifetimeMs = pair.expires_in * 1000;
    const expiresAt = Date.now() + lifetimeMs;
    // A token shorter-lived than twice the margin is refreshed at half its life, not at every call.
    this.refreshAt = expiresAt - Math.min(this.refreshMarginMs, lifetimeMs / 2);
    this.held = { accessToken: pair.access_token, refreshToken: pair.refresh_token, accessTokenExpiresAt: new Date(expiresAt) };
  }

  private requireTokens(): HeldTokens {
    if (this.held === undefined) throw new GatehouseClientError('Not signed in: call login() first', 0);
    return this.held;
  }

  private basicAuthorization(): string | undefined {
    const { clientId, clientSecret } = this.options;
    if (clientId === undefined || clientSecret === undefined) return undefined;
    // RFC 6749 section 2.3.1: form-encoded before they are joined.
    return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
  }

  private async postJson<T>(path: string, body: object): Promise<T> {
    const response = await this.send(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return this.read<T>(response);
  }

  private async postForm<T>(path: string, form: URLSearchParams, authorization: string | undefined): Promise<T> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (authorization !== undefined) headers.authorization = authorization;
    return this.read<T>(await this.send(path, { method: 'POST', headers, body: form.toString() }));
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(`${this.baseUrl}${path}`, { ...init, headers: { accept: 'application/json', ...init.headers } });
    } catch (error) {
      const reason = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new GatehouseClientError(`Gatehouse at ${this.baseUrl} could not be reached: ${reason}`, 0);
    }
  }

  private async read<T>(response: Response): Promise<T> {
    const text = await response.text();
    let body: unknown = undefined;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (response.ok) return body as T;
    throw errorFrom(response.status, body);
  }
}

function appendAll(form: URLSearchParams, name: string, values: string | string[] | undefined): void {
  for (const value of [values ?? []].flat()) form.append(name, value);
}

/** Gatehouse's `{statusCode, error, message}` or an OAuth `{error, error_description}`, as an error. */
function errorFrom(status: number, body: unknown): GatehouseClientError {
  if (typeof body === 'object' && body !== null) {
    const { message } = body as Partial<ErrorResponse>;
    if (typeof message === 'string' || Array.isArray(message))
      return new GatehouseClientError([message].flat().join('; '), status, undefined, body);
    const { error, error_description } = body as Partial<OAuthErrorResponse>;
    if (typeof error === 'string') return new GatehouseClientError(error_description ?? error, status, error, body);
  }
  return new GatehouseClientError(`Gatehouse answered ${status}`, status, undefined, body);
}
