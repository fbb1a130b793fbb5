// The example workspace app (examples/workspace-app) against a real Gatehouse, both as processes
// of their own, driven by the official clients: the MCP SDK's client on its MCP server, the A2A
// SDK's client on its agent. Gatehouse signs with ES256, so the app verifies tokens with the
// published keys only (it never holds a secret), and it checks revocation through introspection
// with a client made by `gatehouse client create`.
import { ClientFactory, ClientFactoryOptions, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import { Role } from '@a2a-js/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { discoverOAuthProtectedResourceMetadata, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { randomUUID } from 'node:crypto';
import { decode, json, login, registerUser, request, TEST_SECRET, type TokenPairBody } from './support/auth-client.js';
import { runExampleAppToExit, startExampleApp } from './support/example-app-process.js';
import { runGatehouse, type ServerProcess, startGatehouseServer } from './support/gatehouse-process.js';
import { inviteAndAccept } from './support/invitations.js';
import { testDatabaseUrl } from './support/platform.js';
import { freePort, onFreePort } from './support/ports.js';
import { withDatabaseClient } from './support/test-database.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const NO_WORKSPACE = 'This token carries no workspace: exchange it at Gatehouse with workspace_id (POST /oauth/token, token exchange)';
const ROLE_TOO_LOW = 'Adding notes needs the admin or owner role in this workspace';

describe('the example workspace app', () => {
  // A database of its own: the key rotation below must not change the keys of other tests.
  const databaseName = `gatehouse_example_${process.pid}_${Date.now()}`;
  let gatehouse: ServerProcess;
  let app: ServerProcess;
  let gatehouseEnv: Record<string, string>;
  let appUrl: string;
  let mcpUrl: string;

  const databaseUrl = () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${databaseName}`;
    return url.toString();
  };

  beforeAll(async () => {
    await withDatabaseClient((admin) => admin.query(`CREATE DATABASE ${databaseName}`));
    // The issuer is Gatehouse's URL, as in production (JWT_ISSUER = PUBLIC_URL), so its port is chosen first.
    const gatehousePort = await freePort();
    const gatehouseUrl = `http://127.0.0.1:${gatehousePort}`;
    gatehouseEnv = {
      PLATFORM_ENV: 'dev',
      PLATFORM_JWT_SECRET: TEST_SECRET,
      JWT_SIGNING_ALGORITHM: 'ES256',
      JWT_ISSUER: gatehouseUrl,
      PUBLIC_URL: gatehouseUrl,
      DATABASE_URL: databaseUrl(),
      BCRYPT_COST: '4',
      AUTH_RATE_LIMIT: '100000',
      INVITATION_RATE_LIMIT: '100000',
      LOG_LEVEL: 'warn',
    };
    gatehouse = await startGatehouseServer({ ...gatehouseEnv, PORT: String(gatehousePort) });

    const { port, started } = await onFreePort(async (port) => {
      const publicUrl = `http://127.0.0.1:${port}`;
      const created = await runGatehouse(
        [
          'client',
          'create',
          '--name',
          'example-workspace-app',
          '--audiences',
          'web,api,a2a,mcp',
          '--resource',
          `${publicUrl}/mcp`,
          '--json',
        ],
        gatehouseEnv,
      );
      if (created.code !== 0) throw new Error(`gatehouse client create failed: ${created.stderr}`);
      const client = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
      return startExampleApp({
        GATEHOUSE_URL: gatehouseUrl,
        EXAMPLE_PORT: String(port),
        EXAMPLE_CLIENT_ID: client.client_id,
        EXAMPLE_CLIENT_SECRET: client.client_secret,
      });
    });
    app = started;
    appUrl = `http://127.0.0.1:${port}`;
    mcpUrl = `${appUrl}/mcp`;
  });

  afterAll(async () => {
    await app?.stop();
    await gatehouse?.stop();
    await withDatabaseClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`));
  });

  /** RFC 8693 token exchange at Gatehouse's token endpoint, in the standard form encoding. */
  async function exchange(subjectToken: string, params: Record<string, string>): Promise<string> {
    const response = await fetch(`${gatehouse.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: ACCESS_TOKEN_TYPE,
        ...params,
      }),
    });
    if (response.status !== 200) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
    return (await json<{ access_token: string }>(response)).access_token;
  }

  /** Someone signed in to Gatehouse with every audience. */
  async function signIn(): Promise<TokenPairBody> {
    const user = await registerUser(gatehouse.baseUrl);
    return login(gatehouse.baseUrl, user.email);
  }

  /** An owner's workspace with a member in it (joined by invitation, as SPEC section 3 requires). */
  async function workspaceWithMember(): Promise<{ owner: TokenPairBody; member: TokenPairBody; workspaceId: string }> {
    const owner = await signIn();
    const created = await request(gatehouse.baseUrl, 'POST', '/workspaces', {
      token: owner.access_token,
      body: { name: `Notes ${randomUUID()}` },
    });
    expect(created.status).toBe(201);
    const workspaceId = (await json<{ id: string }>(created)).id;
    const member = await signIn();
    const accepted = await inviteAndAccept(
      gatehouse.baseUrl,
      { token: owner.access_token },
      workspaceId,
      { email: member.user.email, token: member.access_token },
      'member',
    );
    expect(accepted.status).toBe(200);
    return { owner, member, workspaceId };
  }

  /** The MCP SDK's client, connected to the app's MCP server with `token`. */
  async function mcpClient(token: string): Promise<Client> {
    const client = new Client({ name: 'gatehouse-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcpUrl), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    await client.connect(transport);
    return client;
  }

  async function callTool(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
    return (await client.callTool({ name, arguments: args })) as CallToolResult;
  }

  function textOf(result: CallToolResult): string {
    return result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  }

  describe('MCP (the MCP SDK client, Streamable HTTP)', () => {
    it('lists and calls the tools with an mcp token exchanged for its resource and the workspace; a member may list notes but not add them', async () => {
      const { owner, member, workspaceId } = await workspaceWithMember();
      const ownerToken = await exchange(owner.access_token, { audience: 'mcp', resource: mcpUrl, workspace_id: workspaceId });
      const ownerClient = await mcpClient(ownerToken);
      try {
        const { tools } = await ownerClient.listTools();
        expect(tools.map((tool) => tool.name).sort()).toEqual(['add_note', 'list_notes', 'whoami']);

        const whoami = await callTool(ownerClient, 'whoami');
        expect(whoami.isError).toBeFalsy();
        expect(whoami.structuredContent).toEqual({
          subject: owner.user.id,
          audiences: ['mcp'],
          workspace_id: workspaceId,
          workspace_role: 'owner',
        });

        const added = await callTool(ownerClient, 'add_note', { text: 'Ship the example app' });
        expect(added.isError).toBeFalsy();
        expect(added.structuredContent).toMatchObject({
          workspace_id: workspaceId,
          note: { text: 'Ship the example app', author: owner.user.id },
        });
      } finally {
        await ownerClient.close();
      }

      const memberToken = await exchange(member.access_token, { audience: 'mcp', resource: mcpUrl, workspace_id: workspaceId });
      const memberClient = await mcpClient(memberToken);
      try {
        expect((await callTool(memberClient, 'whoami')).structuredContent).toMatchObject({
          subject: member.user.id,
          workspace_role: 'member',
        });
        const listed = await callTool(memberClient, 'list_notes');
        expect(listed.isError).toBeFalsy();
        expect(listed.structuredContent).toMatchObject({
          workspace_id: workspaceId,
          notes: [{ text: 'Ship the example app', author: owner.user.id }],
        });

        const refused = await callTool(memberClient, 'add_note', { text: 'A member cannot add this' });
        expect(refused.isError).toBe(true);
        expect(textOf(refused)).toBe(ROLE_TOO_LOW);
        expect((await callTool(memberClient, 'list_notes')).structuredContent).toMatchObject({ notes: [{ text: 'Ship the example app' }] });
      } finally {
        await memberClient.close();
      }
    });

    it("refuses list_notes to an mcp token exchanged without a workspace, and keeps each workspace's notes apart", async () => {
      const first = await workspaceWithMember();
      const second = await workspaceWithMember();
      const withoutWorkspace = await mcpClient(await exchange(first.owner.access_token, { audience: 'mcp', resource: mcpUrl }));
      const secondOwner = await mcpClient(
        await exchange(second.owner.access_token, { audience: 'mcp', resource: mcpUrl, workspace_id: second.workspaceId }),
      );
      const firstOwner = await mcpClient(
        await exchange(first.owner.access_token, { audience: 'mcp', resource: mcpUrl, workspace_id: first.workspaceId }),
      );
      try {
        expect((await callTool(withoutWorkspace, 'whoami')).structuredContent).toMatchObject({ workspace_id: null, workspace_role: null });
        const refused = await callTool(withoutWorkspace, 'list_notes');
        expect(refused.isError).toBe(true);
        expect(textOf(refused)).toBe(NO_WORKSPACE);

        expect((await callTool(firstOwner, 'add_note', { text: 'only in the first workspace' })).isError).toBeFalsy();
        expect((await callTool(secondOwner, 'list_notes')).structuredContent).toEqual({ workspace_id: second.workspaceId, notes: [] });
      } finally {
        await Promise.all([withoutWorkspace.close(), secondOwner.close(), firstOwner.close()]);
      }
    });

    it('refuses the same client with a web token (403) and with an mcp token minted for another MCP server', async () => {
      const user = await signIn();
      const web = await exchange(user.access_token, { audience: 'web' });
      const webError = await mcpClient(web).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(webError).toBeInstanceOf(StreamableHTTPError);
      expect((webError as StreamableHTTPError).code).toBe(403);
      expect((webError as Error).message).toContain('Invalid audience');

      const elsewhere = await exchange(user.access_token, { audience: 'mcp', resource: 'https://other-mcp.example.com/mcp' });
      const elsewhereError = await mcpClient(elsewhere).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(elsewhereError).toBeInstanceOf(StreamableHTTPError);
      expect((elsewhereError as StreamableHTTPError).code).toBe(401);
      expect((elsewhereError as Error).message).toContain(`Invalid resource: this route accepts tokens for ${mcpUrl}`);

      // What the client was told, over plain HTTP.
      const response = await fetch(mcpUrl, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${elsewhere}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="gatehouse", error="invalid_token", error_description="Invalid resource: this route accepts tokens for ${mcpUrl}", ` +
          `resource_metadata="${appUrl}/.well-known/oauth-protected-resource/mcp"`,
      );
    });

    it('answers 401 without a token, naming its RFC 9728 metadata, which names Gatehouse as the authorization server', async () => {
      const response = await fetch(mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(response.status).toBe(401);
      const challenge = extractWWWAuthenticateParams(response);
      expect(challenge.resourceMetadataUrl?.href).toBe(`${appUrl}/.well-known/oauth-protected-resource/mcp`);
      expect(response.headers.get('www-authenticate')).not.toContain('error=');

      // The MCP SDK's own discovery: the protected resource's metadata, then Gatehouse's.
      const metadata = await discoverOAuthProtectedResourceMetadata(mcpUrl, { resourceMetadataUrl: challenge.resourceMetadataUrl });
      expect(metadata.resource).toBe(mcpUrl);
      expect(metadata.authorization_servers).toEqual([gatehouse.baseUrl]);
      const server = await fetch(`${metadata.authorization_servers![0]}/.well-known/oauth-authorization-server`);
      expect(server.status).toBe(200);
      expect(await server.json()).toMatchObject({ issuer: gatehouse.baseUrl, token_endpoint: `${gatehouse.baseUrl}/oauth/token` });
    });
  });

  describe('A2A (the A2A SDK client, JSON-RPC)', () => {
    const factory = () =>
      new ClientFactory(ClientFactoryOptions.createFrom(ClientFactoryOptions.default, { transports: [new JsonRpcTransportFactory()] }));
    const message = (text: string) => ({
      tenant: '',
      message: {
        messageId: randomUUID(),
        contextId: '',
        taskId: '',
        role: Role.ROLE_USER,
        parts: [{ content: { $case: 'text' as const, value: text }, metadata: undefined, filename: '', mediaType: 'text/plain' }],
        metadata: undefined,
        extensions: [],
        referenceTaskIds: [],
      },
      configuration: undefined,
      metadata: undefined,
    });

    it("fetches the agent card, which declares Gatehouse's bearer tokens and points at Gatehouse's metadata", async () => {
      const response = await fetch(`${appUrl}/.well-known/agent-card.json`);
      expect(response.status).toBe(200);
      const card = await json(response);
      expect(card.supportedInterfaces).toEqual([expect.objectContaining({ url: `${appUrl}/a2a`, protocolBinding: 'JSONRPC' })]);
      expect(card.securitySchemes.gatehouse.oauth2SecurityScheme).toMatchObject({
        oauth2MetadataUrl: `${gatehouse.baseUrl}/.well-known/oauth-authorization-server`,
        flows: { clientCredentials: { tokenUrl: `${gatehouse.baseUrl}/oauth/token` } },
      });
      expect(card.securitySchemes.bearer.httpAuthSecurityScheme).toMatchObject({ scheme: 'bearer', bearerFormat: 'JWT' });
      expect((await fetch(card.securitySchemes.gatehouse.oauth2SecurityScheme.oauth2MetadataUrl)).status).toBe(200);
    });

    it('answers a message sent with an a2a token with the notes of its workspace, and refuses an mcp token', async () => {
      const { owner, workspaceId } = await workspaceWithMember();
      const notes = await mcpClient(await exchange(owner.access_token, { audience: 'mcp', resource: mcpUrl, workspace_id: workspaceId }));
      try {
        expect((await callTool(notes, 'add_note', { text: 'Agents read this' })).isError).toBeFalsy();
      } finally {
        await notes.close();
      }

      const client = await factory().createFromUrl(appUrl);
      const a2a = await exchange(owner.access_token, { audience: 'a2a', workspace_id: workspaceId });
      const answer = await client.sendMessage(message('What are our notes?'), { serviceParameters: { Authorization: `Bearer ${a2a}` } });
      expect('messageId' in answer).toBe(true);
      const text = 'parts' in answer ? answer.parts.map((part) => (part.content?.$case === 'text' ? part.content.value : '')).join('') : '';
      expect(text).toBe(`Hello ${owner.user.id}. Workspace ${workspaceId} has 1 note(s).\n- Agents read this`);

      const mcp = await exchange(owner.access_token, { audience: 'mcp', resource: mcpUrl, workspace_id: workspaceId });
      await expect(client.sendMessage(message('Let me in'), { serviceParameters: { Authorization: `Bearer ${mcp}` } })).rejects.toThrow(
        /Status: 403[\s\S]*Invalid audience/,
      );
      await expect(client.sendMessage(message('No token'))).rejects.toThrow(/Status: 401/);
    });
  });

  describe('web and api', () => {
    it('serves each profile route to its own audience only, and the health route to anyone', async () => {
      const user = await signIn();
      const web = await exchange(user.access_token, { audience: 'web' });
      const api = await exchange(user.access_token, { audience: 'api' });

      const webProfile = await request(appUrl, 'GET', '/web/profile', { token: web });
      expect(webProfile.status).toBe(200);
      expect(await webProfile.json()).toMatchObject({ kind: 'user', subject: user.user.id, user_id: user.user.id, audiences: ['web'] });
      const apiProfile = await request(appUrl, 'GET', '/api/profile', { token: api });
      expect(apiProfile.status).toBe(200);
      expect(await apiProfile.json()).toMatchObject({ kind: 'user', subject: user.user.id, audiences: ['api'] });

      for (const [path, token] of [
        ['/web/profile', api],
        ['/api/profile', web],
      ] as const) {
        const refused = await request(appUrl, 'GET', path, { token });
        expect(refused.status).toBe(403);
        expect(refused.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      }
      const anonymous = await request(appUrl, 'GET', '/api/profile');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+"$/);
      expect((await request(appUrl, 'GET', '/health')).status).toBe(200);
    });
  });

  describe('start-up', () => {
    it('stops with exit code 1 and one line per problem when its settings are invalid', async () => {
      const result = await runExampleAppToExit({
        GATEHOUSE_URL: 'ftp://gatehouse',
        EXAMPLE_PORT: '70000',
        EXAMPLE_CLIENT_ID: 'only-the-id',
      });
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'GATEHOUSE_URL must be an http(s) URL\n' +
          'EXAMPLE_PORT must be an integer from 1 to 65535\n' +
          'EXAMPLE_CLIENT_ID and EXAMPLE_CLIENT_SECRET go together: set both (introspection on) or neither\n',
      });
    });

    it('stops with exit code 1, naming the URL, when GATEHOUSE_URL serves no authorization-server metadata', async () => {
      const result = await runExampleAppToExit({ GATEHOUSE_URL: `${gatehouse.baseUrl}/elsewhere`, EXAMPLE_PORT: String(await freePort()) });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^${gatehouse.baseUrl}/elsewhere/\\.well-known/oauth-authorization-server answered 404: `));
    });
  });

  describe('revocation and key rotation at Gatehouse', () => {
    it('refuses the tokens of a session within 5 s of its logout at Gatehouse (introspection)', async () => {
      const user = await signIn();
      const api = await exchange(user.access_token, { audience: 'api' });
      const mcp = await exchange(user.access_token, { audience: 'mcp', resource: mcpUrl });
      expect((await request(appUrl, 'GET', '/api/profile', { token: api })).status).toBe(200);
      expect((await request(appUrl, 'GET', '/api/profile', { token: user.access_token })).status).toBe(200);

      expect((await request(gatehouse.baseUrl, 'POST', '/auth/logout', { token: user.access_token })).status).toBe(204);
      const loggedOut = Date.now();
      let status = 200;
      while (status === 200 && Date.now() - loggedOut < 6000) {
        status = (await request(appUrl, 'GET', '/api/profile', { token: api })).status;
        if (status === 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(401);
      // Introspection answers are cached for at most 5 s; the last poll may take a moment more.
      expect(Date.now() - loggedOut).toBeLessThanOrEqual(5000 + 500);
      const refused = await request(appUrl, 'GET', '/api/profile', { token: api });
      expect(await refused.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid token' });
      // The exchanged tokens share the session, so they go with it too.
      expect((await request(appUrl, 'GET', '/api/profile', { token: user.access_token })).status).toBe(401);
      const mcpError = await mcpClient(mcp).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect((mcpError as StreamableHTTPError).code).toBe(401);
    });

    it('picks up a key rotated at Gatehouse without refusing a request, old tokens and new alike', async () => {
      const before = await signIn();
      const oldKid = decode(before.access_token).header.kid;
      expect(decode(before.access_token).header.alg).toBe('ES256');
      expect((await request(appUrl, 'GET', '/api/profile', { token: before.access_token })).status).toBe(200);

      const rotated = await runGatehouse(['keys', 'rotate', '--now'], gatehouseEnv);
      expect(rotated.code).toBe(0);

      // Requests go on throughout: every one of them must be served.
      const statuses: number[] = [];
      let after: TokenPairBody | undefined;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const next = await login(gatehouse.baseUrl, before.user.email);
        statuses.push((await request(appUrl, 'GET', '/api/profile', { token: next.access_token })).status);
        statuses.push((await request(appUrl, 'GET', '/api/profile', { token: before.access_token })).status);
        if (decode(next.access_token).header.kid !== oldKid) {
          after = next;
          break;
        }
      }
      expect(after).toBeDefined();
      expect(statuses).toEqual(statuses.map(() => 200));
      const profile = await request(appUrl, 'GET', '/api/profile', { token: after!.access_token });
      expect(profile.status).toBe(200);
      expect(await profile.json()).toMatchObject({ subject: before.user.id });
    });
  });
});
