import { randomUUID } from 'node:crypto';
import { GatehouseClient, GatehouseClientError } from '../src/index.js';
import { sendJson, startLocalServer, type LocalServer } from './support/http-server.js';

/**
 * A stand-in for Gatehouse's token routes on a local port, strict where a careless client would
 * be caught: refresh tokens rotate, and presenting a rotated one again is reuse (the session is
 * revoked), as Gatehouse does outside its grace window.
 */
class FakeGatehouse {
  readonly requests: { method: string; path: string; authorization?: string; contentType?: string; body: string }[] = [];
  /** The lifetime given to new access tokens, in seconds. */
  accessLifetime = 900;
  refreshDelayMs = 100;
  reuseDetected = false;
  private current = new Map<string, string>(); // refresh token -> session
  private revokedSessions = new Set<string>();
  server!: LocalServer;

  async start(): Promise<string> {
    this.server = await startLocalServer(async (request, body, response) => {
      const path = request.url ?? '';
      this.requests.push({
        method: request.method!,
        path,
        authorization: request.headers.authorization,
        contentType: request.headers['content-type'],
        body,
      });
      if (path === '/auth/login') {
        const { email, password } = JSON.parse(body) as { email: string; password: string };
        if (password !== 'correct horse battery')
          return sendJson(response, 401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid email or password' });
        return sendJson(response, 200, this.pair(randomUUID(), email));
      }
      if (path === '/auth/refresh') {
        await new Promise((resolve) => setTimeout(resolve, this.refreshDelayMs));
        const { refresh_token } = JSON.parse(body) as { refresh_token: string };
        const session = this.current.get(refresh_token);
        if (session === undefined || this.revokedSessions.has(session)) {
          this.reuseDetected = true;
          return sendJson(response, 401, {
            statusCode: 401,
            error: 'Unauthorized',
            message: 'Refresh token reuse detected; the session has been revoked',
          });
        }
        this.current.delete(refresh_token);
        return sendJson(response, 200, this.pair(session, 'ada@example.com'));
      }
      if (path.startsWith('/auth/logout')) {
        response.writeHead(204).end();
        return;
      }
      if (path === '/oauth/token') {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') === 'client_credentials' && request.headers.authorization === undefined) {
          return sendJson(response, 401, { error: 'invalid_client', error_description: 'Client authentication failed' });
        }
        if (form.getAll('audience').includes('web'))
          return sendJson(response, 400, { error: 'invalid_target', error_description: 'The subject token does not carry web' });
        return sendJson(response, 200, {
          access_token: `exchanged-${randomUUID()}`,
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
          token_type: 'Bearer',
          expires_in: 3600,
        });
      }
      sendJson(response, 404, { statusCode: 404, error: 'Not Found', message: 'Cannot find it' });
    });
    return this.server.url;
  }

  count(path: string): number {
    return this.requests.filter((request) => request.path === path).length;
  }

  private pair(session: string, email: string) {
    const refresh = `refresh-${randomUUID()}`;
    this.current.set(refresh, session);
    return {
      access_token: `access-${randomUUID()}`,
      refresh_token: refresh,
      token_type: 'Bearer',
      expires_in: this.accessLifetime,
      refresh_expires_in: 86400,
      audience: ['web', 'api'],
      user: { id: randomUUID(), email, name: null, disabled: false, created_at: new Date().toISOString() },
    };
  }
}

describe('GatehouseClient', () => {
  const gatehouse = new FakeGatehouse();
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = await gatehouse.start();
  });
  afterAll(() => gatehouse.server.close());
  beforeEach(() => {
    gatehouse.accessLifetime = 900;
    gatehouse.reuseDetected = false;
  });

  it('signs in, holds the pair and hands out the access token without refreshing while it is fresh', async () => {
    const client = new GatehouseClient({ baseUrl: `${baseUrl}/` });
    const pair = await client.login('ada@example.com', 'correct horse battery', { audience: ['web', 'api'] });
    expect(JSON.parse(gatehouse.requests.at(-1)!.body)).toEqual({
      email: 'ada@example.com',
      password: 'correct horse battery',
      audience: ['web', 'api'],
    });
    const refreshes = gatehouse.count('/auth/refresh');
    expect(await client.accessToken()).toBe(pair.access_token);
    expect(client.tokens?.refreshToken).toBe(pair.refresh_token);
    expect(gatehouse.count('/auth/refresh')).toBe(refreshes);
  });

  it('refreshes once for many concurrent callers of accessToken() when the token is about to expire', async () => {
    gatehouse.accessLifetime = 1; // refreshed at half its life
    const client = new GatehouseClient({ baseUrl });
    const first = await client.login('ada@example.com', 'correct horse battery');
    expect(await client.accessToken()).toBe(first.access_token);
    await new Promise((resolve) => setTimeout(resolve, 600));
    const refreshes = gatehouse.count('/auth/refresh');
    const tokens = await Promise.all(Array.from({ length: 25 }, () => client.accessToken()));
    expect(gatehouse.count('/auth/refresh')).toBe(refreshes + 1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first.access_token);
    // The next round refreshes again, once, with the rotated refresh token: no reuse, ever.
    await Promise.all(Array.from({ length: 25 }, () => client.refresh()));
    expect(gatehouse.count('/auth/refresh')).toBe(refreshes + 2);
    expect(gatehouse.reuseDetected).toBe(false);
  });

  it('forgets the tokens when a refresh is refused, and says so', async () => {
    const client = new GatehouseClient({ baseUrl });
    client.useTokens({ access_token: 'a', refresh_token: 'never-issued', expires_in: 1 });
    const refused = await client.refresh().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatehouseClientError);
    expect(refused).toMatchObject({ status: 401, message: 'Refresh token reuse detected; the session has been revoked' });
    expect(client.tokens).toBeUndefined();
    await expect(client.accessToken()).rejects.toThrow('Not signed in: call login() first');
  });

  it('reports a refused login with Gatehouse’s message and status', async () => {
    const client = new GatehouseClient({ baseUrl });
    await expect(client.login('ada@example.com', 'wrong password')).rejects.toMatchObject({
      status: 401,
      message: 'Invalid email or password',
    });
  });

  it('signs out with the access token and forgets the pair', async () => {
    const client = new GatehouseClient({ baseUrl });
    const { access_token } = await client.login('ada@example.com', 'correct horse battery');
    await client.logout({ scope: 'global' });
    expect(gatehouse.requests.at(-1)).toMatchObject({
      method: 'POST',
      path: '/auth/logout?scope=global',
      authorization: `Bearer ${access_token}`,
    });
    expect(client.tokens).toBeUndefined();
  });

  it('exchanges its access token (RFC 8693) in a form body, with its client credentials', async () => {
    const client = new GatehouseClient({ baseUrl, clientId: 'agent', clientSecret: 's3cret' });
    const { access_token } = await client.login('ada@example.com', 'correct horse battery');
    const exchanged = await client.exchange({
      audience: 'mcp',
      resource: 'https://app.example/mcp',
      workspaceId: 'ws-1',
      actorToken: 'actor-token',
      scope: ['notes:read'],
    });
    expect(exchanged).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.stringMatching(/^exchanged-/) });
    const sent = gatehouse.requests.at(-1)!;
    expect(sent.contentType).toBe('application/x-www-form-urlencoded');
    expect(sent.authorization).toBe(`Basic ${Buffer.from('agent:s3cret').toString('base64')}`);
    expect(Object.fromEntries(new URLSearchParams(sent.body))).toEqual({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: access_token,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: 'mcp',
      resource: 'https://app.example/mcp',
      workspace_id: 'ws-1',
      actor_token: 'actor-token',
      actor_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      scope: 'notes:read',
    });
  });

  it('reports an OAuth error with its code and description', async () => {
    const client = new GatehouseClient({ baseUrl });
    await expect(client.exchange({ subjectToken: 'token', audience: 'web' })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_target',
      message: 'The subject token does not carry web',
    });
  });

  it('gets a client-credentials token with HTTP Basic, and needs the credentials for it', async () => {
    const client = new GatehouseClient({ baseUrl, clientId: 'reporting', clientSecret: 'p@ss:word' });
    await client.clientCredentials({ audience: ['api', 'a2a'] });
    const sent = gatehouse.requests.at(-1)!;
    expect(sent.authorization).toBe(`Basic ${Buffer.from('reporting:p%40ss%3Aword').toString('base64')}`);
    expect(new URLSearchParams(sent.body).getAll('audience')).toEqual(['api', 'a2a']);
    await expect(new GatehouseClient({ baseUrl }).clientCredentials()).rejects.toThrow(
      'clientCredentials() needs the clientId and clientSecret options',
    );
  });

  it('says when Gatehouse cannot be reached (status 0)', async () => {
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    await expect(new GatehouseClient({ baseUrl: closed.url }).login('a@example.com', 'x')).rejects.toMatchObject({
      status: 0,
      message: expect.stringContaining(`Gatehouse at ${closed.url} could not be reached`),
    });
  });
});
