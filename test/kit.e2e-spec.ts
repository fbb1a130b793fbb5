// The kit for workspace apps (packages/nest) against the real Gatehouse: its verifier accepts
// and refuses Gatehouse's own tokens as Gatehouse does, its client signs in, refreshes (once,
// however many callers) and signs out, and its generated API types match the OpenAPI document
// Gatehouse serves today (the test fails when they are stale: regenerate them, see packages/nest/README.md).
import { readFileSync } from 'node:fs';
import { GatehouseClient, GatehouseVerifier } from '../packages/nest/src/index.js';
import { API_TYPES_FILE, generateApiTypes } from '../packages/nest/scripts/api-types.mjs';
import { PASSWORD, registerUser, TEST_ISSUER, TEST_SECRET } from './support/auth-client.js';
import { startGatehouseServer } from './support/gatehouse-process.js';
import { createClient } from './support/oauth.js';
import { testDatabaseUrl, useTestPlatform } from './support/platform.js';

describe('the kit (@gatehouse/nest) with a real Gatehouse', () => {
  const platform = useTestPlatform();

  it('verifies Gatehouse’s access tokens, refusing those for other surfaces, of another issuer or signed with another secret', async () => {
    const user = await registerUser(platform.url);
    const client = new GatehouseClient({ baseUrl: platform.url });
    await client.login(user.email, PASSWORD, { audience: ['web', 'mcp'] });
    const token = await client.accessToken();

    const verifier = new GatehouseVerifier({ issuer: TEST_ISSUER, secret: TEST_SECRET });
    expect(await verifier.verify(token, { audiences: ['web', 'api'] })).toMatchObject({
      kind: 'user',
      userId: user.id,
      subject: user.id,
      audiences: ['web'],
    });
    expect(await verifier.verify(token, { audiences: ['api'] })).toMatchObject({
      status: 403,
      message: 'Invalid audience: this route accepts api',
    });
    expect(await new GatehouseVerifier({ issuer: 'elsewhere', secret: TEST_SECRET }).verify(token, { audiences: ['web'] })).toMatchObject({
      message: 'Invalid issuer',
    });
    const otherSecret = new GatehouseVerifier({ issuer: TEST_ISSUER, secret: 'another-secret-of-at-least-thirty-two-bytes' });
    expect(await otherSecret.verify(token, { audiences: ['web'] })).toMatchObject({ message: 'Invalid token' });
    // A refresh token is never an access token.
    expect(await verifier.verify(client.tokens!.refreshToken, { audiences: ['web'] })).toMatchObject({ message: 'Invalid token' });
  });

  it('exchanges a token and gets a client’s own token from the real /oauth/token, and verifies both', async () => {
    const user = await registerUser(platform.url);
    const app = new GatehouseClient({ baseUrl: platform.url });
    await app.login(user.email, PASSWORD, { audience: ['web', 'mcp'] });
    const mcp = 'https://mcp.example/kit';
    const exchanged = await app.exchange({ audience: 'mcp', resource: mcp });
    expect(exchanged).toMatchObject({ token_type: 'Bearer', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
    const forMcp = new GatehouseVerifier({ issuer: TEST_ISSUER, secret: TEST_SECRET, resource: mcp });
    expect(await forMcp.verify(exchanged.access_token, { audiences: ['mcp'] })).toMatchObject({ kind: 'user', userId: user.id });
    expect(await forMcp.verify(exchanged.access_token, { audiences: ['web'] })).toMatchObject({ status: 403 });
    // Widening is refused, in the OAuth error's words.
    await expect(app.exchange({ audience: 'api' })).rejects.toMatchObject({ status: 400, code: 'invalid_target' });

    const registered = await createClient('kit-e2e', 'api');
    const service = new GatehouseClient({ baseUrl: platform.url, clientId: registered.client_id, clientSecret: registered.client_secret });
    const own = await service.clientCredentials({ audience: 'api' });
    expect(own.refresh_token).toBeUndefined();
    const verifier = new GatehouseVerifier({ issuer: TEST_ISSUER, secret: TEST_SECRET });
    expect(await verifier.verify(own.access_token, { audiences: ['api'] })).toMatchObject({
      kind: 'client',
      clientId: registered.client_id,
    });
  });

  it('verifies the tokens of a Gatehouse that signs with ES256, with the keys from its JWKS alone', async () => {
    const server = await startGatehouseServer({
      PLATFORM_ENV: 'dev',
      DATABASE_URL: testDatabaseUrl(),
      JWT_SIGNING_ALGORITHM: 'ES256',
      JWT_ISSUER: 'gatehouse-kit-jwks',
      BCRYPT_COST: '4',
    });
    try {
      const user = await registerUser(server.baseUrl);
      const client = new GatehouseClient({ baseUrl: server.baseUrl });
      await client.login(user.email, PASSWORD, { audience: 'api' });
      const verifier = new GatehouseVerifier({ issuer: 'gatehouse-kit-jwks', jwksUrl: `${server.baseUrl}/.well-known/jwks.json` });
      const token = await client.accessToken();
      expect(await verifier.verify(token, { audiences: ['api'] })).toMatchObject({ kind: 'user', userId: user.id, audiences: ['api'] });
      expect(await verifier.verify(token, { audiences: ['web'] })).toMatchObject({
        status: 403,
        message: 'Invalid audience: this route accepts web',
      });
    } finally {
      await server.stop();
    }
  });

  it('refreshes once for concurrent callers, so Gatehouse never sees a reused refresh token, and signs out', async () => {
    const user = await registerUser(platform.url);
    const client = new GatehouseClient({ baseUrl: platform.url });
    const first = await client.login(user.email, PASSWORD);
    const answers = await Promise.all(Array.from({ length: 10 }, () => client.refresh()));
    expect(new Set(answers.map((pair) => pair.refresh_token)).size).toBe(1);
    expect(answers[0].refresh_token).not.toBe(first.refresh_token);
    // The session is alive: the held (rotated) refresh token works again.
    await client.refresh();
    expect((await client.me()).email).toBe(user.email);
    await client.logout();
    expect(client.tokens).toBeUndefined();
  });

  it('has API types generated from the OpenAPI document Gatehouse serves', async () => {
    // The real `gatehouse start`, as `npm run generate:api-types` reads it: inside Jest, terminus
    // cannot load @nestjs/swagger and the health routes' documentation differs.
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl() });
    let document: unknown;
    try {
      document = await (await fetch(`${server.baseUrl}/docs-json`)).json();
    } finally {
      await server.stop();
    }
    const generated = await generateApiTypes(document);
    const committed = readFileSync(API_TYPES_FILE, 'utf8');
    if (generated !== committed) {
      const [want, have] = [generated.split('\n'), committed.split('\n')];
      const line = want.findIndex((text, index) => text !== have[index]);
      throw new Error(
        'packages/nest/src/client/gatehouse-api.ts is stale: run Gatehouse (npm run dev) and `npm run generate:api-types -w @gatehouse/nest`. ' +
          `First difference at line ${line + 1}: expected ${JSON.stringify(want[line])}, found ${JSON.stringify(have[line])}`,
      );
    }
  });
});
