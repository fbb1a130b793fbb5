import * as oauth from 'oauth4webapi';
import { randomUUID } from 'node:crypto';
import { decode, json, request, signIn, TEST_ISSUER, TEST_SECRET } from './support/auth-client.js';
import { runGatehouse, startGatehouseServer } from './support/gatehouse-process.js';
import {
  ACCESS_TOKEN_TYPE,
  authorizationServer,
  basic,
  commandEnvironment,
  createClient,
  expectOAuthError,
  INSECURE,
  oauthRefusal,
  postForm,
  type RegisteredClient,
  TOKEN_EXCHANGE,
} from './support/oauth.js';
import { useTestPlatform, testDatabaseUrl } from './support/platform.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

// SPEC section 6, driven through oauth4webapi (a real OAuth client) wherever a client would
// speak OAuth, and by hand for what no client library sends (the refusals of bad input).
const platform = useTestPlatform({ LOGIN_MAX_FAILURES: '3', REFRESH_GRACE_SECONDS: '1' });
const MCP = 'https://mcp.example/mcp';
const OTHER_MCP = 'https://other.example/mcp';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let as: oauth.AuthorizationServer;
/** A resource server for MCP at `MCP` (introspects), and an agent with its own tokens for mcp and a2a. */
let mcpServer: RegisteredClient;
let agent: RegisteredClient;

beforeAll(async () => {
  as = authorizationServer(platform.url);
  [mcpServer, agent] = await Promise.all([createClient('notes-mcp', 'mcp', [MCP]), createClient('agent', 'mcp,a2a')]);
});

/** The public app that makes token exchanges unauthenticated, as an app holding the user's token does. */
const PUBLIC_APP: oauth.Client = { client_id: 'workspace-app' };

/** A token exchange through oauth4webapi; unauthenticated unless `as` names a client and its authentication. */
async function exchange(
  subjectToken: string,
  parameters: Record<string, string | string[]>,
  by: { client: oauth.Client; auth: oauth.ClientAuth } = { client: PUBLIC_APP, auth: oauth.None() },
): Promise<Response> {
  const body = new URLSearchParams({ subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE });
  for (const [name, value] of Object.entries(parameters)) for (const item of [value].flat()) body.append(name, item);
  return oauth.genericTokenEndpointRequest(as, by.client, by.auth, TOKEN_EXCHANGE, body, INSECURE);
}

async function exchanged(
  subjectToken: string,
  parameters: Record<string, string | string[]>,
  by: { client: oauth.Client; auth: oauth.ClientAuth } = { client: PUBLIC_APP, auth: oauth.None() },
) {
  return oauth.processGenericTokenEndpointResponse(as, by.client, await exchange(subjectToken, parameters, by));
}

async function clientToken(client: RegisteredClient, parameters: Record<string, string> = {}, base = platform.url) {
  const at = authorizationServer(base);
  const response = await oauth.clientCredentialsGrantRequest(
    at,
    client,
    oauth.ClientSecretBasic(client.client_secret),
    parameters,
    INSECURE,
  );
  return oauth.processClientCredentialsResponse(at, client, response);
}

async function introspect(token: string, client: RegisteredClient = mcpServer, base = platform.url) {
  const at = authorizationServer(base);
  const response = await oauth.introspectionRequest(at, client, oauth.ClientSecretPost(client.client_secret), token, INSECURE);
  return oauth.processIntrospectionResponse(at, client, response);
}

const claims = (token: string, base = platform.url) => request(base, 'GET', '/auth/claims', { token });

async function newWorkspace(token: string): Promise<string> {
  const response = await request(platform.url, 'POST', '/workspaces', { token, body: { name: `Notes ${randomUUID()}` } });
  expect(response.status).toBe(201);
  return (await json(response)).id as string;
}

describe('a token narrowed to a workspace on Gatehouse’s own workspace routes', () => {
  it('reaches that workspace only: another one is the non-member 403, routes outside any workspace are refused', async () => {
    const user = await signIn(platform.url);
    const [bound, other] = [await newWorkspace(user.access_token), await newWorkspace(user.access_token)];
    const token = (await exchanged(user.access_token, { audience: 'api', workspace_id: bound })).access_token;

    expect((await request(platform.url, 'GET', `/workspaces/${bound}`, { token })).status).toBe(200);
    expect((await request(platform.url, 'GET', `/workspaces/${bound}/members`, { token })).status).toBe(200);
    for (const [method, path] of [
      ['GET', `/workspaces/${other}`],
      ['GET', `/workspaces/${other}/members`],
      ['DELETE', `/workspaces/${other}`],
      ['GET', `/workspaces/${other}/invitations`],
    ] as const) {
      await expectError(await request(platform.url, method, path, { token }), 403, 'Not a member of this workspace or insufficient role');
    }
    const outside = 'This token is narrowed to one workspace: this route is outside it';
    await expectError(await request(platform.url, 'GET', '/workspaces', { token }), 403, outside);
    await expectError(await request(platform.url, 'POST', '/workspaces', { token, body: { name: 'Widened' } }), 403, outside);
    await expectError(await request(platform.url, 'GET', '/invitations', { token }), 403, outside);
    // The user's own login token still reaches both.
    expect((await request(platform.url, 'GET', `/workspaces/${other}`, { token: user.access_token })).status).toBe(200);
  });

  it('does not reach the routes that act for the whole account (sessions, signing every device out)', async () => {
    const user = await signIn(platform.url);
    const workspace = await newWorkspace(user.access_token);
    const token = (await exchanged(user.access_token, { audience: 'api', workspace_id: workspace })).access_token;
    const narrowed = "This token is narrowed (to a workspace, an actor or scopes): this route acts for the user's whole account";
    await expectError(await request(platform.url, 'GET', '/auth/sessions', { token }), 403, narrowed);
    await expectError(await request(platform.url, 'POST', '/auth/logout?scope=global', { token }), 403, narrowed);
    await expectError(
      await request(platform.url, 'DELETE', `/auth/sessions/${decode(user.access_token).payload.sid as string}`, { token }),
      403,
      narrowed,
    );
    expect((await request(platform.url, 'GET', '/auth/sessions', { token: user.access_token })).status).toBe(200);
    expect((await request(platform.url, 'GET', '/auth/me', { token })).status).toBe(200);
  });
});

describe('token exchange down to a surface, a resource server and a workspace', () => {
  it("gives exactly what was asked, is refused where web is wanted, introspects active, and dies with the user's logout", async () => {
    const user = await signIn(platform.url);
    const workspaceId = await newWorkspace(user.access_token);
    const result = await exchanged(user.access_token, { audience: 'mcp', resource: MCP, workspace_id: workspaceId });
    expect(result).toMatchObject({ token_type: 'bearer', issued_token_type: ACCESS_TOKEN_TYPE });
    const token = result.access_token;
    const { header, payload } = decode(token);
    expect(header.typ).toBe('at+jwt');
    expect(payload).toEqual({
      iss: TEST_ISSUER,
      aud: ['mcp', MCP],
      sub: user.user.id,
      sid: decode(user.access_token).payload.sid,
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
      workspace_id: workspaceId,
      workspace_role: 'owner',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    expect(result.expires_in).toBe(3600);

    await expectError(await request(platform.url, 'GET', '/workspaces', { token }), 403, 'Invalid audience: this route accepts web, api');
    expect((await claims(token)).status).toBe(200);
    expect(await introspect(token)).toEqual({
      active: true,
      token_type: 'access_token',
      ...payload,
    });

    expect((await request(platform.url, 'POST', '/auth/logout', { token: user.access_token })).status).toBe(204);
    await expectError(await claims(token), 401, 'Token revoked');
    expect(await introspect(token)).toEqual({ active: false });
    // A revoked subject exchanges into nothing (RFC 8693 section 2.2.2: invalid_request).
    expect(await oauthRefusal(exchanged(user.access_token, { audience: 'mcp' }))).toEqual({
      status: 400,
      error: 'invalid_request',
      description: 'subject_token is not valid: Token revoked',
    });
  });

  it('refuses to widen: a surface, a resource, a scope or a workspace the subject token does not have', async () => {
    const user = await signIn(platform.url);
    const workspaceId = await newWorkspace(user.access_token);
    const narrow = (
      await exchanged(user.access_token, { audience: 'mcp', resource: MCP, workspace_id: workspaceId, scope: 'notes:read notes:write' })
    ).access_token;
    const refusals = await Promise.all([
      oauthRefusal(exchanged(narrow, { audience: 'web' })),
      oauthRefusal(exchanged(narrow, { audience: 'mcp', resource: OTHER_MCP })),
      oauthRefusal(exchanged(narrow, { audience: 'mcp', scope: 'notes:admin' })),
      oauthRefusal(exchanged(narrow, { audience: 'mcp', workspace_id: randomUUID() })),
      oauthRefusal(exchanged(user.access_token, { audience: 'mcp', workspace_id: randomUUID() })),
      oauthRefusal(exchanged(user.access_token, { audience: 'nope' })),
    ]);
    expect(refusals).toEqual([
      {
        status: 400,
        error: 'invalid_target',
        description: 'audience "web" is not among the subject token\'s (mcp): an exchange only narrows',
      },
      {
        status: 400,
        error: 'invalid_target',
        description: `resource "${OTHER_MCP}" is not among the subject token's: an exchange only narrows`,
      },
      {
        status: 400,
        error: 'invalid_scope',
        description: 'scope "notes:admin" is not among the subject token\'s: an exchange only narrows',
      },
      { status: 400, error: 'invalid_target', description: "workspace_id is not the subject token's workspace: an exchange only narrows" },
      { status: 400, error: 'invalid_target', description: 'The subject is not a member of this workspace' },
      {
        status: 400,
        error: 'invalid_target',
        description: 'audience "nope" is not a surface (web, api, a2a, mcp); resource servers go in resource',
      },
    ]);
    // What is not asked again is kept, never dropped: the resource, the scope, the workspace.
    const again = await exchanged(narrow, { audience: 'mcp', scope: 'notes:read' });
    expect(decode(again.access_token).payload).toMatchObject({ aud: ['mcp', MCP], scope: 'notes:read', workspace_id: workspaceId });
    expect(again.scope).toBe('notes:read');
    expect(decode(again.access_token).payload.exp).toBeLessThanOrEqual(decode(narrow).payload.exp as number);
  });

  it('reads the role at exchange time, and refuses a workspace the subject has left', async () => {
    const user = await signIn(platform.url);
    const workspaceId = await newWorkspace(user.access_token);
    await withDatabaseClient((client) =>
      client.query("UPDATE workspace_members SET role = 'member' WHERE workspace_id = $1 AND user_id = $2", [workspaceId, user.user.id]),
    );
    const bound = (await exchanged(user.access_token, { audience: 'mcp', workspace_id: workspaceId })).access_token;
    expect(decode(bound).payload.workspace_role).toBe('member');
    await withDatabaseClient((client) => client.query('DELETE FROM workspace_members WHERE workspace_id = $1', [workspaceId]));
    // The workspace is carried over from the subject, and checked again.
    expect(await oauthRefusal(exchanged(bound, { audience: 'mcp' }))).toMatchObject({
      error: 'invalid_target',
      description: 'The subject is not a member of this workspace',
    });
  });

  it('names an actor client in act, nested under the next one, and records the authenticated client', async () => {
    const user = await signIn(platform.url);
    const asAgent = { client: agent, auth: oauth.ClientSecretBasic(agent.client_secret) };
    const actor = (await clientToken(agent, { audience: 'mcp' })).access_token;
    const first = await exchanged(user.access_token, { audience: 'mcp', actor_token: actor, actor_token_type: ACCESS_TOKEN_TYPE }, asAgent);
    expect(decode(first.access_token).payload.act).toEqual({ sub: `client:${agent.client_id}` });
    const second = await exchanged(
      first.access_token,
      { audience: 'mcp', actor_token: (await clientToken(mcpServer)).access_token, actor_token_type: ACCESS_TOKEN_TYPE },
      { client: mcpServer, auth: oauth.ClientSecretBasic(mcpServer.client_secret) },
    );
    const payload = decode(second.access_token).payload;
    expect(payload.act).toEqual({ sub: `client:${mcpServer.client_id}`, act: { sub: `client:${agent.client_id}` } });
    expect(payload.client_id).toBe(mcpServer.client_id);
    const introspected = await introspect(second.access_token);
    expect(introspected.act).toEqual(payload.act);
    expect(introspected).not.toHaveProperty('client_sids');
    expect(
      await oauthRefusal(
        exchanged(user.access_token, { audience: 'mcp', actor_token: user.access_token, actor_token_type: ACCESS_TOKEN_TYPE }, asAgent),
      ),
    ).toEqual({
      status: 400,
      error: 'invalid_request',
      description: "actor_token must be a client's own token (sub client:<client_id>)",
    });
  });

  it('names an actor only when that client authenticates: a client token in other hands does not speak for it', async () => {
    const user = await signIn(platform.url);
    const agentToken = (await clientToken(agent, { audience: 'mcp' })).access_token;
    // A resource server that received the agent's token, exchanging without credentials...
    expect(
      await oauthRefusal(exchanged(user.access_token, { audience: 'mcp', actor_token: agentToken, actor_token_type: ACCESS_TOKEN_TYPE })),
    ).toEqual({ status: 401, error: 'invalid_client', description: 'actor_token needs the actor client to authenticate' });
    // ...or with its own credentials.
    expect(
      await oauthRefusal(
        exchanged(
          user.access_token,
          { audience: 'mcp', actor_token: agentToken, actor_token_type: ACCESS_TOKEN_TYPE },
          { client: mcpServer, auth: oauth.ClientSecretBasic(mcpServer.client_secret) },
        ),
      ),
    ).toEqual({ status: 400, error: 'invalid_request', description: 'actor_token must be the token of the client that authenticates' });
  });

  it('makes tokens that die when a client they were exchanged by or for is disabled', async () => {
    const user = await signIn(platform.url);
    const broker = await createClient('broker', 'mcp', [MCP]);
    const byBroker = await exchanged(
      user.access_token,
      { audience: 'mcp', resource: MCP },
      { client: broker, auth: oauth.ClientSecretBasic(broker.client_secret) },
    );
    expect((await claims(byBroker.access_token)).status).toBe(200);
    expect((await introspect(byBroker.access_token)).active).toBe(true);
    const disabled = await runGatehouse(['client', 'disable', '--id', broker.client_id], commandEnvironment());
    expect(disabled.code).toBe(0);
    await sleep(1000);
    await expectError(await claims(byBroker.access_token), 401, 'Token revoked');
    expect(await introspect(byBroker.access_token)).toEqual({ active: false });
    // The user's own token lives on.
    expect((await claims(user.access_token)).status).toBe(200);
  });

  it('never takes a refresh token, or another token type, as the subject', async () => {
    const user = await signIn(platform.url);
    expect(await oauthRefusal(exchanged(user.refresh_token, { audience: 'mcp' }))).toEqual({
      status: 400,
      error: 'invalid_request',
      description: 'subject_token is not valid: Invalid token',
    });
    const wrongType = await postForm(
      `${platform.url}/oauth/token`,
      new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: user.refresh_token,
        subject_token_type: 'urn:ietf:params:oauth:token-type:refresh_token',
        audience: 'mcp',
      }),
    );
    await expectOAuthError(wrongType, 400, 'invalid_request', /^subject_token_type must be urn:ietf:params:oauth:token-type:access_token/);
    await expectOAuthError(
      await postForm(
        `${platform.url}/oauth/token`,
        new URLSearchParams({ grant_type: TOKEN_EXCHANGE, subject_token: user.access_token, subject_token_type: ACCESS_TOKEN_TYPE }),
      ),
      400,
      'invalid_request',
      'audience is required: the surfaces (web, api, a2a, mcp) the new token is for',
    );
  });

  it('lives no longer than JWT_EXCHANGE_TOKEN_EXPIRATION', async () => {
    const user = await signIn(platform.url);
    const { payload } = decode((await exchanged(user.access_token, { audience: 'api' })).access_token);
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
  });
});

describe('client credentials', () => {
  it('gives a client its own token, which reaches /auth/claims but no route acting for a user', async () => {
    const result = await clientToken(mcpServer);
    expect(result).toMatchObject({ token_type: 'bearer', expires_in: 2592000 });
    expect(result.refresh_token).toBeUndefined();
    const { payload } = decode(result.access_token);
    expect(payload).toMatchObject({ sub: `client:${mcpServer.client_id}`, aud: ['mcp', MCP], client_id: mcpServer.client_id });
    expect(await json(await claims(result.access_token))).toMatchObject({ sub: `client:${mcpServer.client_id}` });
    await expectError(
      await request(platform.url, 'GET', '/auth/me', { token: result.access_token }),
      403,
      "A client's own token cannot be used here: this route acts for a user",
    );
    expect((await introspect(result.access_token)).active).toBe(true);
  });

  it('narrows to the audiences asked for, and never beyond those the client is registered for', async () => {
    const narrowed = await clientToken(agent, { audience: 'a2a' });
    expect(decode(narrowed.access_token).payload.aud).toEqual(['a2a']);
    expect(await oauthRefusal(clientToken(agent, { audience: 'web' }))).toEqual({
      status: 400,
      error: 'invalid_target',
      description: 'audience "web" is not one this client is registered for (mcp, a2a)',
    });
    expect(await oauthRefusal(clientToken(agent, { resource: MCP }))).toMatchObject({ error: 'invalid_target' });
    expect(await oauthRefusal(clientToken(agent, { scope: 'notes:read' }))).toMatchObject({ error: 'invalid_scope' });
  });

  it('takes client_secret_post too, and refuses wrong, missing and doubled credentials with 401 invalid_client or 400', async () => {
    const client = { client_id: agent.client_id };
    const posted = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretPost(agent.client_secret), {}, INSECURE);
    expect((await oauth.processClientCredentialsResponse(as, client, posted)).access_token).toBeDefined();
    const token = `${platform.url}/oauth/token`;
    const grant = 'grant_type=client_credentials';
    await expectOAuthError(await postForm(token, grant), 401, 'invalid_client', /^Client authentication is required/);
    await expectOAuthError(
      await postForm(token, grant, { authorization: basic(agent.client_id, 'wrong') }),
      401,
      'invalid_client',
      'Client authentication failed',
    );
    await expectOAuthError(await postForm(token, grant, { authorization: 'Bearer abc.def.ghi' }), 401, 'invalid_client');
    await expectOAuthError(await postForm(token, grant, { authorization: 'Basic !!!' }), 401, 'invalid_client');
    await expectOAuthError(
      await postForm(token, `${grant}&client_id=${agent.client_id}&client_secret=x`, {
        authorization: basic(agent.client_id, agent.client_secret),
      }),
      400,
      'invalid_request',
    );
  });

  it('counts wrong secrets per client and address: LOGIN_MAX_FAILURES of them, then 429', async () => {
    const victim = await createClient('locked', 'api');
    const token = `${platform.url}/oauth/token`;
    for (let i = 0; i < 3; i++) {
      await expectOAuthError(
        await postForm(token, 'grant_type=client_credentials', { authorization: basic(victim.client_id, 'guess') }),
        401,
        'invalid_client',
      );
    }
    const locked = await postForm(token, 'grant_type=client_credentials', { authorization: basic(victim.client_id, victim.client_secret) });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await expectOAuthError(locked, 429, 'temporarily_unavailable', /^Too many requests; retry in \d+ seconds$/);
  });

  it('is revoked by rotate-secret: the old secret and its tokens stop working, the new secret works', async () => {
    const client = await createClient('rotating', 'api');
    const before = (await clientToken(client)).access_token;
    const result = await runGatehouse(['client', 'rotate-secret', '--id', client.client_id, '--json'], commandEnvironment());
    expect(result.code).toBe(0);
    const rotated = JSON.parse(result.stdout) as RegisteredClient;
    expect(rotated.client_secret).not.toBe(client.client_secret);
    await expectError(await claims(before), 401, 'Token revoked');
    expect(await oauthRefusal(clientToken(client))).toMatchObject({ status: 401, error: 'invalid_client' });
    expect((await claims((await clientToken({ ...client, client_secret: rotated.client_secret })).access_token)).status).toBe(200);
  });
});

describe('a disabled client, on every instance', () => {
  it('loses its tokens at once on a second Gatehouse process, and its credentials are refused', async () => {
    const second = await startGatehouseServer({
      PLATFORM_ENV: 'dev',
      DATABASE_URL: testDatabaseUrl(),
      PLATFORM_JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: TEST_ISSUER,
    });
    try {
      const client = await createClient('to-disable', 'api');
      const token = (await clientToken(client, {}, second.baseUrl)).access_token;
      expect((await claims(token, platform.url)).status).toBe(200);
      expect((await claims(token, second.baseUrl)).status).toBe(200);
      // Warm the second instance's client cache, so that it must notice the change.
      expect((await introspect(token, client, second.baseUrl)).active).toBe(true);
      const disabled = await runGatehouse(['client', 'disable', '--id', client.client_id], commandEnvironment());
      expect(disabled).toMatchObject({ code: 0, stdout: `Disabled client to-disable (${client.client_id}); its tokens are revoked\n` });
      for (const base of [platform.url, second.baseUrl]) {
        const deadline = Date.now() + 1000;
        let status = 200;
        while (Date.now() < deadline && status === 200) {
          status = (await claims(token, base)).status;
          if (status === 200) await sleep(25);
        }
        expect({ base, status }).toEqual({ base, status: 401 });
        expect(await oauthRefusal(clientToken(client, {}, base))).toMatchObject({ status: 401, error: 'invalid_client' });
      }
      expect((await introspect(token)).active).toBe(false);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe('introspection', () => {
  it('answers {active: false} for a refresh token, a forged token, garbage and a token for none of the client’s audiences', async () => {
    const user = await signIn(platform.url, { audience: ['web'] });
    for (const token of [user.refresh_token, `${user.access_token.slice(0, -4)}AAAA`, 'garbage', user.access_token]) {
      expect(await introspect(token)).toEqual({ active: false });
    }
  });

  it('is inactive for a token narrowed to a resource server the client is not registered for', async () => {
    const user = await signIn(platform.url, { audience: ['mcp'] });
    const forOther = (await exchanged(user.access_token, { audience: 'mcp', resource: OTHER_MCP })).access_token;
    expect(await introspect(forOther, agent)).toEqual({ active: false });
    expect((await introspect(user.access_token, agent)).active).toBe(true);
  });

  it('answers a resource server asking many times at once, never 429 (only failed authentications count)', async () => {
    const user = await signIn(platform.url, { audience: ['mcp'] });
    const answers = await Promise.all(Array.from({ length: 40 }, () => introspect(user.access_token)));
    expect(answers.every((answer) => answer.active === true)).toBe(true);
  });

  it('requires client authentication and a token', async () => {
    const url = `${platform.url}/oauth/introspect`;
    await expectOAuthError(await postForm(url, 'token=abc'), 401, 'invalid_client');
    await expectOAuthError(
      await postForm(url, '', { authorization: basic(mcpServer.client_id, mcpServer.client_secret) }),
      400,
      'invalid_request',
      'token is required',
    );
  });
});

describe('revocation (RFC 7009)', () => {
  it("revokes a user's session by its refresh token, and answers 200 for a token it does not know", async () => {
    const user = await signIn(platform.url);
    const client = { client_id: 'workspace-app' };
    const response = await oauth.revocationRequest(as, client, oauth.None(), user.refresh_token, {
      ...INSECURE,
      additionalParameters: { token_type_hint: 'refresh_token' },
    });
    await oauth.processRevocationResponse(response);
    await expectError(await claims(user.access_token), 401, 'Token revoked');
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), 'not-a-token', INSECURE));
    await expectOAuthError(await postForm(`${platform.url}/oauth/revoke`, ''), 400, 'invalid_request', 'token is required');
  });

  it("revokes a client's own tokens, and the client's next token works", async () => {
    const first = (await clientToken(agent)).access_token;
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, agent, oauth.ClientSecretBasic(agent.client_secret), first, INSECURE),
    );
    await expectError(await claims(first), 401, 'Token revoked');
    expect((await claims((await clientToken(agent)).access_token)).status).toBe(200);
  });
});

describe('the refresh token grant', () => {
  it('rotates as /auth/refresh does, answered in the OAuth shape, and refuses a replay with invalid_grant', async () => {
    const user = await signIn(platform.url);
    const client = { client_id: 'workspace-app' };
    const refresh = (token: string) => oauth.refreshTokenGrantRequest(as, client, oauth.None(), token, INSECURE);
    const rotated = await oauth.processRefreshTokenResponse(as, client, await refresh(user.refresh_token));
    expect(rotated).toMatchObject({ token_type: 'bearer', expires_in: 2592000 });
    expect(rotated.refresh_token).not.toBe(user.refresh_token);
    expect(decode(rotated.access_token).payload.sid).toBe(decode(user.access_token).payload.sid);
    await sleep(1100);
    expect(await oauthRefusal(oauth.processRefreshTokenResponse(as, client, await refresh(user.refresh_token)))).toEqual({
      status: 400,
      error: 'invalid_grant',
      description: 'Refresh token reuse detected; the session has been revoked',
    });
  });
});

describe('the wire format of the OAuth routes', () => {
  const token = () => `${platform.url}/oauth/token`;

  it('answers unknown, missing and repeated parameters as RFC 6749 says, and ignores unknown ones', async () => {
    await expectOAuthError(
      await postForm(token(), 'grant_type=password'),
      400,
      'unsupported_grant_type',
      /^grant_type "password" is not supported/,
    );
    await expectOAuthError(await postForm(token(), ''), 400, 'invalid_request', 'grant_type is required');
    await expectOAuthError(
      await postForm(token(), 'grant_type=client_credentials&grant_type=refresh_token'),
      400,
      'invalid_request',
      'grant_type must be given once',
    );
    const ignored = await postForm(token(), 'grant_type=client_credentials&unknown=1&__proto__=x', {
      authorization: basic(agent.client_id, agent.client_secret),
    });
    expect(ignored.status).toBe(200);
    expect(ignored.headers.get('cache-control')).toBe('no-store');
    expect(ignored.headers.get('pragma')).toBe('no-cache');
  });

  it('takes JSON bodies as well', async () => {
    const response = await request(platform.url, 'POST', '/oauth/token', {
      body: { grant_type: 'client_credentials', audience: ['mcp'] },
      headers: { authorization: basic(agent.client_id, agent.client_secret) },
    });
    expect(response.status).toBe(200);
    expect(decode((await json(response)).access_token).payload.aud).toEqual(['mcp']);
  });

  it('refuses hostile bodies with a 4xx in the OAuth shape', async () => {
    const many = Array.from({ length: 101 }, (_, i) => `p${i}=1`).join('&');
    await expectOAuthError(await postForm(token(), many), 400, 'invalid_request', 'Request body has too many parameters (at most 100)');
    await expectOAuthError(
      await postForm(token(), 'grant_type=client%00credentials'),
      400,
      'invalid_request',
      'grant_type must not contain the NUL character (%00)',
    );
    await expectOAuthError(await postForm(token(), `grant_type=${'x'.repeat(110_000)}`), 413, 'invalid_request');
    const text = await fetch(token(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'grant_type=client_credentials' });
    await expectOAuthError(text, 415, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded or application/json');
    const badJson = await fetch(token(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"grant_type":' });
    await expectOAuthError(badJson, 400, 'invalid_request');
    await expectOAuthError(
      await request(platform.url, 'POST', '/oauth/token', { body: ['grant_type'] }),
      400,
      'invalid_request',
      'Request body must be a form or a JSON object',
    );
  });

  it('leaves forms refused on every other route, in the usual shape', async () => {
    await expectError(
      await postForm(`${platform.url}/auth/login`, 'email=a@example.com&password=x'),
      415,
      'Content-Type must be application/json',
    );
  });
});

describe('the RFC 8414 metadata', () => {
  it('lists the OAuth endpoints, grants and client authentication methods, and a client works from it alone', async () => {
    const metadata = await json<oauth.AuthorizationServer>(await request(platform.url, 'GET', '/.well-known/oauth-authorization-server'));
    expect(metadata).toMatchObject({
      token_endpoint: `${platform.url}/oauth/token`,
      introspection_endpoint: `${platform.url}/oauth/introspect`,
      revocation_endpoint: `${platform.url}/oauth/revoke`,
      grant_types_supported: ['client_credentials', 'refresh_token', TOKEN_EXCHANGE],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    });
    const response = await oauth.clientCredentialsGrantRequest(metadata, agent, oauth.ClientSecretBasic(agent.client_secret), {}, INSECURE);
    const { access_token } = await oauth.processClientCredentialsResponse(metadata, agent, response);
    const introspected = await oauth.processIntrospectionResponse(
      metadata,
      agent,
      await oauth.introspectionRequest(metadata, agent, oauth.ClientSecretBasic(agent.client_secret), access_token, INSECURE),
    );
    expect(introspected).toMatchObject({ active: true, sub: `client:${agent.client_id}` });
  });
});
