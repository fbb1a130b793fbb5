import { Controller, Get, Post } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { generateKeyPair } from 'jose';
import {
  Audiences,
  CurrentPrincipal,
  type GatehousePrincipal,
  GatehouseVerifier,
  Public,
  Resource,
  RouteAccessDeclarationError,
} from '../src/index.js';
import { PLATFORMS, startApp, type TestApp } from './support/app.js';
import { accessToken, defaultClaims, handMadeToken, ISSUER, PREVIOUS_SECRET, SECRET } from './support/tokens.js';

const MCP_RESOURCE = 'https://app.example/mcp';
const RESOURCE_METADATA = 'https://app.example/.well-known/oauth-protected-resource/mcp';

/** The principal as a handler sees it, minus what is not JSON. */
const shown = (principal: GatehousePrincipal | undefined) =>
  principal === undefined ? { none: true } : { ...principal, token: undefined, claims: undefined };

@Controller('open')
class OpenController {
  @Public()
  @Get()
  open(@CurrentPrincipal() principal: GatehousePrincipal | undefined) {
    return { open: true, principal: principal ?? null };
  }
}

@Controller('app')
@Audiences('web', 'api')
class AppController {
  @Get('profile')
  profile(@CurrentPrincipal() principal: GatehousePrincipal) {
    return shown(principal);
  }

  @Audiences('api')
  @Get('api-only')
  apiOnly() {
    return { api: true };
  }
}

@Controller('mcp')
class McpController {
  @Audiences('mcp')
  @Resource(MCP_RESOURCE)
  @Post()
  mcp(@CurrentPrincipal() principal: GatehousePrincipal) {
    return shown(principal);
  }
}

const options = { issuer: ISSUER, secret: SECRET, previousSecrets: [PREVIOUS_SECRET], resourceMetadataUrl: RESOURCE_METADATA };

/** What a client sees: status, the challenge and the body. */
async function call(url: string, authorization?: string, method = 'GET') {
  const response = await fetch(url, { method, headers: authorization === undefined ? {} : { authorization } });
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

const refusal = (status: number, error: string, message: string) => ({ statusCode: status, error, message });
const challenge = (error: string, message: string) => `Bearer realm="gatehouse", error="${error}", error_description="${message}"`;

describe.each(PLATFORMS)('the guard on %s', (platform) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startApp(platform, options, [OpenController, AppController, McpController]);
  });
  afterAll(() => app.close());

  it('lets anyone reach a @Public() route, without a principal', async () => {
    expect(await call(`${app.url}/open`)).toEqual({ status: 200, challenge: null, body: { open: true, principal: null } });
  });

  it('answers a request without a token 401 with a challenge that has no error attribute', async () => {
    expect(await call(`${app.url}/app/profile`)).toEqual({
      status: 401,
      challenge: 'Bearer realm="gatehouse"',
      body: refusal(401, 'Unauthorized', 'Missing Authorization header'),
    });
  });

  it.each(['Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-jwt', 'Bearer a.b.c d', 'Token a.b.c'])(
    'refuses the header %p as malformed',
    async (header) => {
      const message = 'Invalid Authorization header format. Use: Bearer <token>';
      expect(await call(`${app.url}/app/profile`, header)).toEqual({
        status: 401,
        challenge: challenge('invalid_token', message),
        body: refusal(401, 'Unauthorized', message),
      });
    },
  );

  it('refuses a request with two Authorization headers with 400 invalid_request, whether its token was verified before or not', async () => {
    const twice = (token: string) =>
      new Promise<{ status: number; challenge: string | undefined; body: unknown }>((resolve, reject) => {
        const outgoing = httpRequest(
          `${app.url}/app/profile`,
          { headers: { Authorization: [`Bearer ${token}`, `Bearer ${token}`] } },
          (incoming) => {
            let text = '';
            incoming.on('data', (chunk: Buffer) => (text += chunk.toString()));
            incoming.on('end', () =>
              resolve({ status: incoming.statusCode!, challenge: incoming.headers['www-authenticate'], body: JSON.parse(text) }),
            );
          },
        );
        outgoing.on('error', reject);
        outgoing.end();
      });
    const refused = {
      status: 400,
      challenge: challenge('invalid_request', 'Multiple Authorization headers'),
      body: refusal(400, 'Bad Request', 'Multiple Authorization headers'),
    };
    expect(await twice(await accessToken())).toEqual(refused);
    const cached = await accessToken();
    expect((await call(`${app.url}/app/profile`, `Bearer ${cached}`)).status).toBe(200);
    expect(await twice(cached)).toEqual(refused);
  });

  it('checks the header around a token verified before as around any other', async () => {
    const token = await accessToken();
    expect((await call(`${app.url}/app/profile`, `Bearer ${token}`)).status).toBe(200);
    const message = 'Invalid Authorization header format. Use: Bearer <token>';
    for (const header of [`Bearer ${token}.`, `Bearer ${token} x`, `Token ${token}`]) {
      expect((await call(`${app.url}/app/profile`, header)).body).toEqual(refusal(401, 'Unauthorized', message));
    }
    for (const header of [`bearer ${token}`, `Bearer  ${token}`]) expect((await call(`${app.url}/app/profile`, header)).status).toBe(200);
  });

  it('hands the handler the principal of a user token', async () => {
    const token = await accessToken({ claims: { sub: 'user-1', sid: 'session-1', aud: ['web', 'mcp', MCP_RESOURCE] } });
    const { status, body } = await call(`${app.url}/app/profile`, `Bearer ${token}`);
    expect(status).toBe(200);
    expect(body).toEqual({
      kind: 'user',
      subject: 'user-1',
      userId: 'user-1',
      sessionId: 'session-1',
      audiences: ['web'],
      resources: [MCP_RESOURCE],
      expiresAt: expect.any(String),
    });
  });

  it('hands the handler the workspace, role, actor and scope of an exchanged token', async () => {
    const token = await accessToken({
      claims: {
        sub: 'user-2',
        aud: ['mcp', MCP_RESOURCE],
        workspace_id: 'ws-1',
        workspace_role: 'admin',
        act: { sub: 'client:agent', act: { sub: 'client:outer' } },
        scope: 'notes:read notes:write',
        client_id: 'agent',
      },
    });
    const { status, body } = await call(`${app.url}/mcp`, `Bearer ${token}`, 'POST');
    expect([status, body]).toEqual([
      201,
      {
        kind: 'user',
        subject: 'user-2',
        userId: 'user-2',
        clientId: 'agent',
        sessionId: expect.any(String),
        audiences: ['mcp'],
        resources: [MCP_RESOURCE],
        workspaceId: 'ws-1',
        workspaceRole: 'admin',
        actor: { sub: 'client:agent', act: { sub: 'client:outer' } },
        scope: ['notes:read', 'notes:write'],
        expiresAt: expect.any(String),
      },
    ]);
  });

  it('tells a client token (sub client:<id>, no session) from a user token', async () => {
    const token = await accessToken({ claims: { sub: 'client:reporting', aud: ['api'] }, without: ['sid'] });
    const { status, body } = await call(`${app.url}/app/profile`, `Bearer ${token}`);
    expect([status, body]).toEqual([
      200,
      {
        kind: 'client',
        subject: 'client:reporting',
        clientId: 'reporting',
        audiences: ['api'],
        resources: [],
        expiresAt: expect.any(String),
      },
    ]);
  });

  it('accepts tokens signed with a previous secret, and refuses any other secret', async () => {
    const previous = await accessToken({ key: new TextEncoder().encode(PREVIOUS_SECRET) });
    expect((await call(`${app.url}/app/profile`, `Bearer ${previous}`)).status).toBe(200);
    const other = await accessToken({ key: new TextEncoder().encode('some-other-secret-of-thirty-two-bytes!!') });
    expect(await call(`${app.url}/app/profile`, `Bearer ${other}`)).toEqual({
      status: 401,
      challenge: challenge('invalid_token', 'Invalid token'),
      body: refusal(401, 'Unauthorized', 'Invalid token'),
    });
  });

  const invalidTokens: [string, () => Promise<string>][] = [
    ['a refresh token (typ rt+jwt)', () => accessToken({ header: { typ: 'rt+jwt' } })],
    ['a token without typ at+jwt', () => accessToken({ header: { typ: 'JWT' } })],
    ['a token not valid before a minute from now', () => accessToken({ claims: { nbf: Math.floor(Date.now() / 1000) + 60 } })],
    ['a token issued a minute in the future', () => accessToken({ issuedAt: 60 })],
    ['a token without sub', () => accessToken({ without: ['sub'] })],
    ['a token whose aud is not a list', () => accessToken({ claims: { aud: 'web' } })],
    ['a token with an unknown workspace role', () => accessToken({ claims: { workspace_role: 'superuser' } })],
    [
      'a token whose header makes an extension critical',
      () => Promise.resolve(handMadeToken({ alg: 'HS256', typ: 'at+jwt', crit: ['exp2'], exp2: 1 }, defaultClaims())),
    ],
    ['an unsigned token (alg none)', () => Promise.resolve(handMadeToken({ alg: 'none', typ: 'at+jwt' }, defaultClaims()))],
    [
      'a token signed with RS256 (algorithm not allowed with a secret)',
      async () => accessToken({ alg: 'RS256', key: (await generateKeyPair('RS256')).privateKey }),
    ],
    [
      'a tampered token',
      async () =>
        (await accessToken()).replace(
          /\.[^.]+\./,
          `.${Buffer.from(JSON.stringify({ iss: ISSUER, sub: 'x', aud: ['web'], iat: 1, exp: 9e9 })).toString('base64url')}.`,
        ),
    ],
  ];
  it.each(invalidTokens)('refuses %s with 401 Invalid token', async (_name, make) => {
    expect(await call(`${app.url}/app/profile`, `Bearer ${await make()}`)).toEqual({
      status: 401,
      challenge: challenge('invalid_token', 'Invalid token'),
      body: refusal(401, 'Unauthorized', 'Invalid token'),
    });
  });

  it('refuses an expired token with 401 Token expired, even from another issuer, and allows 30 s of clock skew', async () => {
    const expired = await accessToken({ issuedAt: -120, lifetime: 60 });
    const expiredElsewhere = await accessToken({ issuedAt: -120, lifetime: 60, claims: { iss: 'elsewhere' } });
    for (const token of [expired, expiredElsewhere]) {
      expect(await call(`${app.url}/app/profile`, `Bearer ${token}`)).toEqual({
        status: 401,
        challenge: challenge('invalid_token', 'Token expired'),
        body: refusal(401, 'Unauthorized', 'Token expired'),
      });
    }
    const withinSkew = await accessToken({ issuedAt: -70, lifetime: 60 });
    expect((await call(`${app.url}/app/profile`, `Bearer ${withinSkew}`)).status).toBe(200);
  });

  it('refuses a token it verified before once it has expired since', async () => {
    const token = await accessToken({ issuedAt: -61, lifetime: 32 });
    expect((await call(`${app.url}/app/profile`, `Bearer ${token}`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect((await call(`${app.url}/app/profile`, `Bearer ${token}`)).body).toEqual(refusal(401, 'Unauthorized', 'Token expired'));
  });

  it('refuses a token of another issuer with 401 Invalid issuer', async () => {
    const token = await accessToken({ claims: { iss: 'https://other.example' } });
    expect(await call(`${app.url}/app/profile`, `Bearer ${token}`)).toEqual({
      status: 401,
      challenge: challenge('invalid_token', 'Invalid issuer'),
      body: refusal(401, 'Unauthorized', 'Invalid issuer'),
    });
  });

  it('refuses a token for other surfaces with 403 insufficient_scope naming the ones the route accepts', async () => {
    const mcpToken = await accessToken({ claims: { aud: ['mcp', 'a2a'] } });
    expect(await call(`${app.url}/app/profile`, `Bearer ${mcpToken}`)).toEqual({
      status: 403,
      challenge: challenge('insufficient_scope', 'Invalid audience: this route accepts web, api'),
      body: refusal(403, 'Forbidden', 'Invalid audience: this route accepts web, api'),
    });
    const webToken = await accessToken({ claims: { aud: ['web'] } });
    expect((await call(`${app.url}/app/api-only`, `Bearer ${webToken}`)).body).toEqual(
      refusal(403, 'Forbidden', 'Invalid audience: this route accepts api'),
    );
  });

  it('answers a token seen before on each route as on its first request: its principal there, or that route’s refusal', async () => {
    const token = await accessToken({ claims: { sub: 'user-2', aud: ['web', MCP_RESOURCE] } });
    const first = await call(`${app.url}/app/profile`, `Bearer ${token}`);
    expect(first.body).toMatchObject({ subject: 'user-2', audiences: ['web'] });
    for (let i = 0; i < 2; i++) {
      expect(await call(`${app.url}/app/profile`, `Bearer ${token}`)).toEqual(first);
      expect((await call(`${app.url}/app/api-only`, `Bearer ${token}`)).body).toEqual(
        refusal(403, 'Forbidden', 'Invalid audience: this route accepts api'),
      );
      expect((await call(`${app.url}/mcp`, `Bearer ${token}`, 'POST')).body).toEqual(
        refusal(403, 'Forbidden', 'Invalid audience: this route accepts mcp'),
      );
    }
  });

  it('names the resource metadata in every challenge of an mcp route', async () => {
    expect(await call(`${app.url}/mcp`, undefined, 'POST')).toEqual({
      status: 401,
      challenge: `Bearer realm="gatehouse", resource_metadata="${RESOURCE_METADATA}"`,
      body: refusal(401, 'Unauthorized', 'Missing Authorization header'),
    });
    const webToken = await accessToken({ claims: { aud: ['web', MCP_RESOURCE] } });
    expect(await call(`${app.url}/mcp`, `Bearer ${webToken}`, 'POST')).toEqual({
      status: 403,
      challenge: `${challenge('insufficient_scope', 'Invalid audience: this route accepts mcp')}, resource_metadata="${RESOURCE_METADATA}"`,
      body: refusal(403, 'Forbidden', 'Invalid audience: this route accepts mcp'),
    });
  });

  it('refuses an mcp token minted for another resource with 401 invalid_token (RFC 8707)', async () => {
    const message = `Invalid resource: this route accepts tokens for ${MCP_RESOURCE}`;
    for (const aud of [['mcp'], ['mcp', 'https://other.example/mcp']]) {
      const token = await accessToken({ claims: { aud } });
      expect(await call(`${app.url}/mcp`, `Bearer ${token}`, 'POST')).toEqual({
        status: 401,
        challenge: `${challenge('invalid_token', message)}, resource_metadata="${RESOURCE_METADATA}"`,
        body: refusal(401, 'Unauthorized', message),
      });
    }
  });
});

describe('deny by default', () => {
  @Controller('forgotten')
  class ForgottenController {
    @Get()
    forgotten() {
      return { reached: true };
    }

    @Public()
    @Audiences('web')
    @Get('both')
    both() {
      return { reached: true };
    }
  }

  @Controller('mixed')
  @Audiences('api')
  class MixedController {
    @Public()
    @Get()
    mixed() {
      return { reached: true };
    }
  }

  it.each(PLATFORMS)(
    'refuses to start (%s) while a route declares neither @Public() nor @Audiences(), naming each mistake',
    async (platform) => {
      const started = startApp(platform, options, [OpenController, ForgottenController, MixedController]);
      await expect(started).rejects.toThrow(RouteAccessDeclarationError);
      await expect(started).rejects.toThrow(
        'Every route must declare its access once (@Public() or @Audiences(...)): ForgottenController.forgotten declares neither @Public() nor @Audiences(); ' +
          'ForgottenController.both declares both @Public() and @Audiences(); MixedController.mixed mixes @Public() and @Audiences() between the method and its class',
      );
    },
  );

  it.each(PLATFORMS)("with undeclaredRoutes: 'deny', starts (%s) and refuses those routes with 403", async (platform) => {
    const app = await startApp(platform, { ...options, undeclaredRoutes: 'deny' }, [OpenController, ForgottenController]);
    try {
      const token = await accessToken();
      expect(await call(`${app.url}/forgotten`, `Bearer ${token}`)).toEqual({
        status: 403,
        challenge: null,
        body: refusal(403, 'Forbidden', 'Access to this route was not declared'),
      });
      expect((await call(`${app.url}/open`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('the module options', () => {
  it.each([
    [{ issuer: ISSUER }, 'give exactly one of jwksUrl and secret'],
    [{ issuer: ISSUER, secret: SECRET, jwksUrl: 'http://127.0.0.1:1/jwks.json' }, 'give exactly one of jwksUrl and secret'],
    [{ issuer: '', secret: SECRET }, 'issuer is required'],
    [{ issuer: ISSUER, secret: SECRET, resource: 'not a uri' }, 'resource must be an absolute URI, got not a uri'],
    [
      {
        issuer: ISSUER,
        secret: SECRET,
        introspection: { endpoint: 'http://127.0.0.1:1/', clientId: 'a', clientSecret: 'b', cacheSeconds: 6 },
      },
      'cacheSeconds must be from 0 to 5',
    ],
    [
      { issuer: ISSUER, secret: 'gatehouse-insecure-development-secret-do-not-use-in-production' },
      'secret: the public built-in development secret is refused (allowDevelopmentSecret: true for development)',
    ],
    [
      { issuer: ISSUER, secret: SECRET, previousSecrets: ['short'] },
      'previousSecrets: a secret must be at least 32 bytes (allowDevelopmentSecret: true for development)',
    ],
  ])('refuses %p at start-up', async (bad, message) => {
    await expect(startApp('fastify', bad, [OpenController])).rejects.toThrow(message);
  });
});

describe('GatehouseVerifier.authorizeRoute', () => {
  it('answers a cached token right for each new expectations object, however many a caller makes', async () => {
    const verifier = new GatehouseVerifier({ issuer: ISSUER, secret: SECRET });
    const token = await accessToken({ claims: { sub: 'user-3', aud: ['api'] } });
    for (let i = 0; i < 40; i++) {
      const outcome = await verifier.authorizeRoute(`Bearer ${token}`, { audiences: i % 2 === 0 ? ['api'] : ['web'] });
      if (i % 2 === 0) expect(outcome).toMatchObject({ subject: 'user-3', audiences: ['api'] });
      else expect(outcome).toMatchObject({ status: 403 });
    }
  });
});
