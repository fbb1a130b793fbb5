import { Controller, Get } from '@nestjs/common';
import { Audiences, GatehouseRefusal, GatehouseVerifier } from '../src/index.js';
import { startApp, type TestApp } from './support/app.js';
import { sendJson, startLocalServer, type LocalServer } from './support/http-server.js';
import { accessToken, ISSUER, SECRET } from './support/tokens.js';

const CLIENT_ID = 'example-app';
const CLIENT_SECRET = 'secret with spaces & symbols:+/';

/** An RFC 7662 endpoint like Gatehouse's `/oauth/introspect`: HTTP Basic client authentication, a form body. */
class IntrospectionServer {
  readonly revoked = new Set<string>();
  readonly asked: string[] = [];
  status = 200;
  server!: LocalServer;

  async start(): Promise<string> {
    const expected = `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`;
    this.server = await startLocalServer((request, body, response) => {
      if (request.method !== 'POST' || request.headers['content-type'] !== 'application/x-www-form-urlencoded')
        return sendJson(response, 400, { error: 'invalid_request' });
      if (request.headers.authorization !== expected)
        return sendJson(response, 401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic' });
      const token = new URLSearchParams(body).get('token') ?? '';
      this.asked.push(token);
      if (this.status !== 200) return sendJson(response, this.status, { error: 'server_error' });
      sendJson(response, 200, this.revoked.has(token) ? { active: false } : { active: true, sub: 'someone', token_type: 'access_token' });
    });
    return `${this.server.url}/oauth/introspect`;
  }

  count(token: string): number {
    return this.asked.filter((asked) => asked === token).length;
  }
}

@Controller('api')
class ApiController {
  @Audiences('api')
  @Get('profile')
  profile() {
    return { ok: true };
  }
}

const api = { audiences: ['api' as const] };
const apiToken = () => accessToken({ claims: { aud: ['api'] } });

describe('revocation awareness through introspection', () => {
  const introspection = new IntrospectionServer();
  let endpoint: string;
  let app: TestApp;
  beforeAll(async () => {
    endpoint = await introspection.start();
    app = await startApp(
      'fastify',
      { issuer: ISSUER, secret: SECRET, introspection: { endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } },
      [ApiController],
    );
  });
  afterAll(async () => {
    await app.close();
    await introspection.server.close();
  });

  const profile = async (token: string) => {
    const response = await fetch(`${app.url}/api/profile`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      challenge: response.headers.get('www-authenticate'),
      body: await response.json(),
    };
  };

  it('lets an active token through, asking Gatehouse with the client credentials (HTTP Basic) and a form body', async () => {
    const token = await apiToken();
    expect((await profile(token)).status).toBe(200);
    expect(introspection.count(token)).toBe(1);
  });

  it('refuses a token Gatehouse calls inactive with 401 Invalid token', async () => {
    const token = await apiToken();
    introspection.revoked.add(token);
    expect(await profile(token)).toEqual({
      status: 401,
      retryAfter: null,
      challenge: 'Bearer realm="gatehouse", error="invalid_token", error_description="Invalid token"',
      body: { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' },
    });
  });

  it('reuses an answer for at most 5 seconds: a revocation bites within 5 s', async () => {
    const token = await apiToken();
    expect((await profile(token)).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await profile(token)).status).toBe(200);
    expect(introspection.count(token)).toBe(1);

    introspection.revoked.add(token);
    const revokedAt = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 7000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await profile(token)).status;
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(5000 + 200);
    expect(introspection.count(token)).toBe(2);
  });

  it('asks once for concurrent requests with the same token', async () => {
    const token = await apiToken();
    const statuses = await Promise.all(Array.from({ length: 10 }, () => profile(token).then((answer) => answer.status)));
    expect(statuses).toEqual(Array(10).fill(200));
    expect(introspection.count(token)).toBe(1);
  });

  it('fails closed with 503 and Retry-After when Gatehouse answers an error, and does not remember it', async () => {
    const token = await apiToken();
    introspection.status = 500;
    try {
      expect(await profile(token)).toEqual({
        status: 503,
        retryAfter: '5',
        challenge: null,
        body: {
          statusCode: 503,
          error: 'Service Unavailable',
          message: 'Gatehouse could not be reached to check the token; retry in 5 seconds',
        },
      });
    } finally {
      introspection.status = 200;
    }
    expect((await profile(token)).status).toBe(200);
  });

  it('fails closed with 503 when its client credentials are refused, or nothing listens', async () => {
    const token = await apiToken();
    const wrongSecret = new GatehouseVerifier({
      issuer: ISSUER,
      secret: SECRET,
      introspection: { endpoint, clientId: CLIENT_ID, clientSecret: 'wrong' },
    });
    expect(await wrongSecret.verify(token, api)).toMatchObject({ reason: 'unavailable', status: 503 });
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    const nowhere = new GatehouseVerifier({
      issuer: ISSUER,
      secret: SECRET,
      introspection: { endpoint: closed.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    });
    expect(await nowhere.verify(token, api)).toMatchObject({ reason: 'unavailable', status: 503 });
  });

  it('asks every time with cacheSeconds: 0, and never for a token refused before introspection', async () => {
    const verifier = new GatehouseVerifier({
      issuer: ISSUER,
      secret: SECRET,
      introspection: { endpoint, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, cacheSeconds: 0 },
    });
    const token = await apiToken();
    for (let i = 0; i < 3; i++) expect(await verifier.verify(token, api)).not.toBeInstanceOf(GatehouseRefusal);
    expect(introspection.count(token)).toBe(3);
    const forged = `${token.slice(0, -4)}AAAA`;
    expect(await verifier.verify(forged, api)).toMatchObject({ reason: 'invalid' });
    expect(await verifier.verify(token, { audiences: ['web'] })).toMatchObject({ reason: 'audience' });
    expect(introspection.count(forged)).toBe(0);
    expect(introspection.count(token)).toBe(3);
  });
});
