import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { GatehouseRefusal, GatehouseVerifier, type GatehouseModuleOptions } from '../src/index.js';
import { startLocalServer, sendJson, type LocalServer } from './support/http-server.js';
import { accessToken, ISSUER } from './support/tokens.js';

type Algorithm = 'RS256' | 'ES256' | 'EdDSA';

async function signingKey(alg: Algorithm, kid: string) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk, sign: (claims: Record<string, unknown> = {}) => accessToken({ alg, kid, key: privateKey, claims }) };
}

/** A JWKS endpoint like Gatehouse's `/.well-known/jwks.json`, whose keys a test changes, counting fetches. */
class KeySetServer {
  keys: JWK[] = [];
  fetches = 0;
  status = 200;
  server!: LocalServer;

  async start(): Promise<string> {
    this.server = await startLocalServer((_request, _body, response) => {
      this.fetches++;
      sendJson(response, this.status, { keys: this.keys }, { 'cache-control': 'public, max-age=300' });
    });
    return `${this.server.url}/.well-known/jwks.json`;
  }
}

const web = { audiences: ['web' as const] };

describe('verification against a JWKS (asymmetric keys)', () => {
  const jwks = new KeySetServer();
  let options: GatehouseModuleOptions;
  beforeAll(async () => {
    options = { issuer: ISSUER, jwksUrl: await jwks.start() };
  });
  afterAll(() => jwks.server.close());

  it.each<Algorithm>(['RS256', 'ES256', 'EdDSA'])('accepts a token signed with %s by a published key', async (alg) => {
    const key = await signingKey(alg, `${alg}-1`);
    jwks.keys = [key.jwk];
    const verifier = new GatehouseVerifier(options);
    const principal = await verifier.verify(await key.sign({ sub: 'user-1' }), web);
    expect(principal).not.toBeInstanceOf(GatehouseRefusal);
    expect(principal).toMatchObject({ kind: 'user', userId: 'user-1', audiences: ['web'] });
  });

  it('picks up a key Gatehouse starts signing with, without refusing a request', async () => {
    const first = await signingKey('ES256', 'rotation-1');
    jwks.keys = [first.jwk];
    const verifier = new GatehouseVerifier(options);
    expect(await verifier.verify(await first.sign(), web)).not.toBeInstanceOf(GatehouseRefusal);
    const fetchesBefore = jwks.fetches;

    // `gatehouse keys rotate --now`: the new key is published and used at once.
    const second = await signingKey('ES256', 'rotation-2');
    jwks.keys = [second.jwk, first.jwk];
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the 1 s cooldown since the last fetch
    for (let i = 0; i < 5; i++) expect(await verifier.verify(await second.sign(), web)).not.toBeInstanceOf(GatehouseRefusal);
    expect(await verifier.verify(await first.sign(), web)).not.toBeInstanceOf(GatehouseRefusal);
    expect(jwks.fetches).toBe(fetchesBefore + 1);
  });

  it('fetches at most once per cooldown for tokens with made-up key ids, and refuses them', async () => {
    const known = await signingKey('ES256', 'known');
    jwks.keys = [known.jwk];
    const verifier = new GatehouseVerifier(options);
    expect(await verifier.verify(await known.sign(), web)).not.toBeInstanceOf(GatehouseRefusal);
    const fetchesBefore = jwks.fetches;
    const stranger = await signingKey('ES256', 'stranger');
    for (let i = 0; i < 3; i++) {
      const forged = await accessToken({ alg: 'ES256', kid: `made-up-${i}`, key: stranger.privateKey });
      expect(await verifier.verify(forged, web)).toMatchObject({ reason: 'invalid', status: 401, message: 'Invalid token' });
    }
    expect(jwks.fetches - fetchesBefore).toBeLessThanOrEqual(1);
  });

  it('refuses a token signed by another key under a published kid, and an HS256 token (algorithms are pinned)', async () => {
    const published = await signingKey('RS256', 'pinned');
    const impostor = await signingKey('RS256', 'pinned');
    jwks.keys = [published.jwk];
    const verifier = new GatehouseVerifier(options);
    expect(await verifier.verify(await impostor.sign(), web)).toMatchObject({ reason: 'invalid' });
    expect(await verifier.verify(await accessToken({ kid: 'pinned' }), web)).toMatchObject({ reason: 'invalid' });
  });

  it('answers 503 (fail closed) when the JWKS cannot be fetched, and recovers when it can', async () => {
    const key = await signingKey('EdDSA', 'outage');
    jwks.keys = [key.jwk];
    jwks.status = 500;
    const verifier = new GatehouseVerifier(options);
    const refused = await verifier.verify(await key.sign(), web);
    expect(refused).toMatchObject({
      reason: 'unavailable',
      status: 503,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'Gatehouse could not be reached to check the token; retry in 5 seconds',
      },
    });
    expect((refused as GatehouseRefusal).headers()).toEqual({ 'Retry-After': '5' });
    jwks.status = 200;
    expect(await verifier.verify(await key.sign(), web)).not.toBeInstanceOf(GatehouseRefusal);
  });

  it('answers 503 when nothing listens at the JWKS URL', async () => {
    const closed = await startLocalServer(() => undefined);
    await closed.close();
    const verifier = new GatehouseVerifier({ issuer: ISSUER, jwksUrl: `${closed.url}/.well-known/jwks.json` });
    const key = await signingKey('ES256', 'nowhere');
    expect(await verifier.verify(await key.sign(), web)).toMatchObject({ reason: 'unavailable', status: 503 });
  });
});

describe('GatehouseVerifier outside the guard', () => {
  it('checks an Authorization header and a resource, or none when told resource: null', async () => {
    const verifier = new GatehouseVerifier({
      issuer: ISSUER,
      secret: 'kit-test-secret-of-at-least-thirty-two-bytes',
      resource: 'https://app.example/mcp',
    });
    const token = await accessToken({ claims: { aud: ['mcp'] } });
    expect(await verifier.verifyAuthorization(undefined, { audiences: ['mcp'] })).toMatchObject({ reason: 'missing', status: 401 });
    expect(await verifier.verifyAuthorization(`bearer ${token}`, { audiences: ['mcp'] })).toMatchObject({
      reason: 'resource',
      message: 'Invalid resource: this route accepts tokens for https://app.example/mcp',
    });
    expect(await verifier.verifyAuthorization(`Bearer ${token}`, { audiences: ['mcp'], resource: null })).toMatchObject({
      kind: 'user',
      audiences: ['mcp'],
    });
  });
});
