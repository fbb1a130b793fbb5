import { createRemoteJWKSet, errors, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { Environment } from '@app/config';
import { fingerprintSecret } from '@app/config';
import type { RunningPlatform } from '@app/server';
import { decode, forge, json, login, registerUser, request, TEST_ISSUER, TEST_SECRET, type TokenPairBody } from './support/auth-client.js';
import { runGatehouse } from './support/gatehouse-process.js';
import { useOwnDatabase } from './support/own-database.js';
import { withDatabaseClient } from './support/test-database.js';
import { startTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';

// SPEC section 5 over HTTP: asymmetric signing, the JWKS and the RFC 8414 metadata, rotation
// across instances, HS256 rotation with previous secrets and algorithm changes. The keys live in
// a database of this file's own: the signing_keys table is shared by every instance on it.
const database = useOwnDatabase('keys_e2e');
const OLD_SECRET = 'the-old-e2e-signing-secret-0123456789abcdef';

function start(env: Environment = {}): Promise<RunningPlatform> {
  return startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER, DATABASE_URL: database.url, ...env });
}

/** The `gatehouse` command on this file's database. */
function gatehouse(args: string[], env: Record<string, string> = {}) {
  return runGatehouse(args, {
    PLATFORM_ENV: 'dev',
    PLATFORM_JWT_SECRET: TEST_SECRET,
    JWT_ISSUER: TEST_ISSUER,
    DATABASE_URL: database.url,
    ...env,
  });
}

async function signedIn(url: string): Promise<TokenPairBody> {
  const user = await registerUser(url);
  return login(url, user.email);
}

async function expectMe(url: string, token: string): Promise<void> {
  const response = await request(url, 'GET', '/auth/me', { token });
  expect(response.status).toBe(200);
}

describe.each(['RS256', 'ES256', 'EdDSA'])('JWT_SIGNING_ALGORITHM=%s', (algorithm) => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await start({ JWT_SIGNING_ALGORITHM: algorithm });
  });
  afterAll(() => platform.close());

  it('issues access tokens that verify with nothing but /.well-known/jwks.json (jose’s remote JWKS)', async () => {
    const { access_token: token, user } = await signedIn(platform.url);
    const jwks = createRemoteJWKSet(new URL(`${platform.url}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer: TEST_ISSUER, audience: 'web', typ: 'at+jwt' });
    expect(protectedHeader.alg).toBe(algorithm);
    expect(payload.sub).toBe(user.id);
    await expectMe(platform.url, token);
  });

  it('refuses a forged token: a changed signature or payload, or another key under the published kid', async () => {
    const { access_token: token } = await signedIn(platform.url);
    const [header, payload, signature] = token.split('.');
    const { header: claimsHeader, payload: claims } = decode(token);
    const otherKey = (await generateKeyPair(algorithm, { crv: algorithm === 'EdDSA' ? 'Ed25519' : undefined })).privateKey;
    const forgeries = [
      `${header}.${payload}.${signature.slice(0, -4)}${signature.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`,
      `${header}.${payload}.`,
      `${header}.${Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 3600 })).toString('base64url')}.${signature}`,
      await new SignJWT(claims).setProtectedHeader({ alg: algorithm, typ: 'at+jwt', kid: String(claimsHeader.kid) }).sign(otherKey),
    ];
    for (const forged of forgeries) {
      await expectError(await request(platform.url, 'GET', '/auth/me', { token: forged }), 401, 'Invalid token');
    }
    // The real token still passes after them, and a forgery is refused again (nothing of them was remembered).
    await expectMe(platform.url, token);
    await expectError(await request(platform.url, 'GET', '/auth/me', { token: forgeries[0] }), 401, 'Invalid token');
  });

  it('serves the JWKS publicly, cacheable for 5 minutes, with public parameters only', async () => {
    const response = await request(platform.url, 'GET', '/.well-known/jwks.json');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = await json<{ keys: Record<string, unknown>[] }>(response);
    const signing = keys.filter((key) => key.alg === algorithm);
    expect(signing.length).toBeGreaterThan(0);
    for (const key of signing) {
      expect(key).toMatchObject({ use: 'sig', kid: expect.any(String), kty: expect.any(String) });
      expect(Object.keys(key)).not.toEqual(expect.arrayContaining(['d']));
    }
  });

  it('refuses an HS256 access token the secret signed since the change: holding the secret no longer mints access tokens', async () => {
    const { access_token: token, user } = await signedIn(platform.url);
    const sid = decode(token).payload.sid as string;
    // The change of algorithm an hour ago (its grace for a rolling change long over), announced as a change is.
    await withDatabaseClient(async (client) => {
      await client.query(
        "UPDATE signing_keys SET activates_at = activates_at - interval '1 hour', created_at = created_at - interval '1 hour' WHERE algorithm = $1",
        [algorithm],
      );
      await client.query("SELECT pg_notify('gatehouse_signing_keys', 'changed')");
    }, database.url);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Signed with PLATFORM_JWT_SECRET now, as an HS256-era resource server holding it could.
    const forged = forge({ iss: TEST_ISSUER, sub: user.id, sid });
    await expectError(await request(platform.url, 'GET', '/auth/me', { token: forged }), 401, 'Invalid token');
    const exchanged = await request(platform.url, 'POST', '/oauth/token', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: forged,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: 'web',
      }).toString(),
    });
    expect(exchanged.status).toBe(400);
    // One the secret signed before the change (this database's first key of the algorithm, made at this file's start) still counts.
    const now = Math.floor(Date.now() / 1000);
    const before = forge({ iss: TEST_ISSUER, sub: user.id, sid, iat: now - 7200, exp: now + 600 });
    expect((await request(platform.url, 'GET', '/auth/me', { token: before })).status).toBe(200);
  });

  it('keeps refresh tokens out of reach of the published keys', async () => {
    const { refresh_token: refresh } = await signedIn(platform.url);
    expect(decode(refresh).header).toMatchObject({ alg: 'HS256', kid: fingerprintSecret(TEST_SECRET) });
    const jwks = createRemoteJWKSet(new URL(`${platform.url}/.well-known/jwks.json`));
    await expect(jwtVerify(refresh, jwks)).rejects.toThrow(errors.JOSEError);
    const refreshed = await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: refresh } });
    expect(refreshed.status).toBe(200);
  });
});

describe('gatehouse keys rotate on one of two instances', () => {
  let a: RunningPlatform;
  let b: RunningPlatform;
  beforeAll(async () => {
    a = await start({ JWT_SIGNING_ALGORITHM: 'ES256' });
    b = await start({ JWT_SIGNING_ALGORITHM: 'ES256' });
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('changes the signing key on both, within a second, without a single refused token', async () => {
    const before = decode((await signedIn(a.url)).access_token).header.kid;
    const user = await registerUser(a.url);
    const refused: string[] = [];
    let stop = false;
    const issuedKids = { a: new Set<unknown>(), b: new Set<unknown>() };
    // Clients sign in on one instance and use their tokens on the other, all through the rotation.
    const client = async (from: RunningPlatform, to: RunningPlatform, name: 'a' | 'b') => {
      while (!stop) {
        const response = await request(from.url, 'POST', '/auth/login', { body: { email: user.email, password: user.password } });
        if (response.status !== 200) {
          refused.push(`login ${response.status}`);
          continue;
        }
        const pair = await json<TokenPairBody>(response);
        issuedKids[name].add(decode(pair.access_token).header.kid);
        const me = await request(to.url, 'GET', '/auth/me', { token: pair.access_token });
        if (me.status !== 200) refused.push(`me ${me.status} ${await me.text()}`);
        const refreshed = await request(to.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } });
        if (refreshed.status !== 200) refused.push(`refresh ${refreshed.status}`);
        else {
          const again = await json<TokenPairBody>(refreshed);
          const back = await request(from.url, 'GET', '/auth/me', { token: again.access_token });
          if (back.status !== 200) refused.push(`me after refresh ${back.status}`);
        }
      }
    };
    const clients = [client(a, b, 'a'), client(b, a, 'b')];
    await new Promise((resolve) => setTimeout(resolve, 500));

    const rotated = await gatehouse(['keys', 'rotate', '--now'], { JWT_SIGNING_ALGORITHM: 'ES256' });
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringContaining('published and signing now') });
    const after = /key (\S+):/.exec(rotated.stdout)![1];
    const rotatedAt = Date.now();
    const nextKid = async (url: string) => decode((await signedIn(url)).access_token).header.kid;
    while ((await nextKid(a.url)) !== after || (await nextKid(b.url)) !== after) {
      expect(Date.now() - rotatedAt).toBeLessThan(1500);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop = true;
    await Promise.all(clients);

    expect(refused).toEqual([]);
    expect(before).not.toBe(after);
    for (const kids of Object.values(issuedKids)) expect([...kids]).toEqual(expect.arrayContaining([after]));
    // The old key stays published: its tokens are still in use.
    const { keys } = await json<{ keys: { kid: string }[] }>(await request(b.url, 'GET', '/.well-known/jwks.json'));
    expect(keys.map((key) => key.kid)).toEqual(expect.arrayContaining([before, after]));
  });

  it('keys list shows the states', async () => {
    const listed = await gatehouse(['keys', 'list', '--json'], { JWT_SIGNING_ALGORITHM: 'ES256' });
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as { state: string; algorithm: string }[];
    expect(keys.filter((key) => key.state === 'current')).toHaveLength(1);
    expect(keys.some((key) => key.state === 'retiring')).toBe(true);
  });

  it('config security show lists the algorithm, the stored keys with their states, and the previous secrets’ fingerprints', async () => {
    const shown = await gatehouse(['config', 'security', 'show', '--json'], {
      JWT_SIGNING_ALGORITHM: 'ES256',
      PLATFORM_JWT_PREVIOUS_SECRETS: OLD_SECRET,
    });
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain(OLD_SECRET);
    const summary = JSON.parse(shown.stdout) as {
      signing_algorithm: string;
      previous_secrets: unknown[];
      signing_keys: { state: string }[];
    };
    expect(summary.signing_algorithm).toBe('ES256');
    expect(summary.previous_secrets).toEqual([{ fingerprint: `sha256:${fingerprintSecret(OLD_SECRET)}` }]);
    expect(summary.signing_keys.filter((key) => key.state === 'current')).toHaveLength(1);
    const text = await gatehouse(['config', 'security', 'show'], { JWT_SIGNING_ALGORITHM: 'ES256' });
    expect(text.stdout).toMatch(/^Algorithm: +ES256$/m);
    expect(text.stdout).toMatch(/^\S+ +ES256 +current /m);
  });

  it('keys rotate without --now publishes the next key and keeps signing with the current one', async () => {
    const current = decode((await signedIn(a.url)).access_token).header.kid;
    const rotated = await gatehouse(['keys', 'rotate'], { JWT_SIGNING_ALGORITHM: 'ES256' });
    expect(rotated.stdout).toMatch(/published now, signing from \d{4}-/);
    const next = /key (\S+):/.exec(rotated.stdout)![1];
    await new Promise((resolve) => setTimeout(resolve, 500));
    const { keys } = await json<{ keys: { kid: string }[] }>(await request(a.url, 'GET', '/.well-known/jwks.json'));
    expect(keys.map((key) => key.kid)).toContain(next);
    expect(decode((await signedIn(b.url)).access_token).header.kid).toBe(current);
  });
});

describe('HS256 rotation and changes of algorithm sign nobody out', () => {
  it('moving the old secret to PLATFORM_JWT_PREVIOUS_SECRETS keeps old access and refresh tokens working', async () => {
    const old = await start({ PLATFORM_JWT_SECRET: OLD_SECRET });
    const pair = await signedIn(old.url);
    await old.close();

    const rotated = await start({ PLATFORM_JWT_PREVIOUS_SECRETS: OLD_SECRET });
    try {
      await expectMe(rotated.url, pair.access_token);
      const refreshed = await request(rotated.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      expect(refreshed.status).toBe(200);
      const fresh = await json<TokenPairBody>(refreshed);
      expect(decode(fresh.access_token).header.kid).toBe(fingerprintSecret(TEST_SECRET));
      expect(decode(fresh.refresh_token).header.kid).toBe(fingerprintSecret(TEST_SECRET));
    } finally {
      await rotated.close();
    }

    const dropped = await start();
    try {
      await expectError(await request(dropped.url, 'GET', '/auth/me', { token: pair.access_token }), 401, 'Invalid token');
    } finally {
      await dropped.close();
    }
  });

  it('HS256 → EdDSA → HS256: tokens of each keep working until they expire', async () => {
    const hs = await start();
    const hsPair = await signedIn(hs.url);
    await hs.close();

    const ed = await start({ JWT_SIGNING_ALGORITHM: 'EdDSA' });
    const edPair = await signedIn(ed.url);
    expect(decode(edPair.access_token).header.alg).toBe('EdDSA');
    await expectMe(ed.url, hsPair.access_token);
    await ed.close();

    const back = await start();
    try {
      await expectMe(back.url, edPair.access_token);
      await expectMe(back.url, hsPair.access_token);
      // The retiring EdDSA key stays published for its tokens' sake.
      const { keys } = await json<{ keys: { kid: string }[] }>(await request(back.url, 'GET', '/.well-known/jwks.json'));
      expect(keys.map((key) => key.kid)).toContain(decode(edPair.access_token).header.kid);
    } finally {
      await back.close();
    }
  });
});

describe.each(['HS256', 'RS256', 'ES256', 'EdDSA'])('outside dev with the built-in secret, JWT_SIGNING_ALGORITHM=%s', (algorithm) => {
  it('issues nothing (503), accepts no token of the deployment’s keys, publishes no key', async () => {
    const dev = await start({ JWT_SIGNING_ALGORITHM: algorithm, PLATFORM_JWT_SECRET: undefined });
    const user = await registerUser(dev.url);
    const pair = await login(dev.url, user.email);
    await dev.close();

    const production = await start({
      JWT_SIGNING_ALGORITHM: algorithm,
      PLATFORM_ENV: undefined,
      PLATFORM_JWT_SECRET: undefined,
      BCRYPT_COST: '10',
    });
    try {
      await expectError(
        await request(production.url, 'POST', '/auth/login', { body: { email: user.email, password: user.password } }),
        503,
        'Token issuance is disabled by a server misconfiguration; the administrator must set PLATFORM_JWT_SECRET',
      );
      await expectError(await request(production.url, 'GET', '/auth/me', { token: pair.access_token }), 401, 'Invalid token');
      const refreshed = await request(production.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      expect(refreshed.status).toBe(401);
      expect(await json(await request(production.url, 'GET', '/.well-known/jwks.json'))).toEqual({ keys: [] });
    } finally {
      await production.close();
    }
  });
});

describe('GET /.well-known/oauth-authorization-server (RFC 8414)', () => {
  it('in dev, describes Gatehouse at http://HOST:PORT', async () => {
    const platform = await start();
    try {
      const response = await request(platform.url, 'GET', '/.well-known/oauth-authorization-server');
      expect(response.status).toBe(200);
      const port = new URL(platform.url).port;
      expect(await json(response)).toMatchObject({
        issuer: TEST_ISSUER,
        jwks_uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        token_endpoint: `http://127.0.0.1:${port}/oauth/token`,
        response_types_supported: [],
      });
    } finally {
      await platform.close();
    }
  });

  it('outside dev: 404 naming PUBLIC_URL until it is set, then the metadata with PUBLIC_URL’s addresses', async () => {
    const unset = await start({ PLATFORM_ENV: undefined, BCRYPT_COST: '10' });
    try {
      await expectError(
        await request(unset.url, 'GET', '/.well-known/oauth-authorization-server'),
        404,
        'Authorization server metadata is not available: set PUBLIC_URL to Gatehouse’s external base URL',
      );
      expect((await request(unset.url, 'GET', '/.well-known/jwks.json')).status).toBe(200);
    } finally {
      await unset.close();
    }
    const set = await start({
      PLATFORM_ENV: undefined,
      BCRYPT_COST: '10',
      PUBLIC_URL: 'https://auth.example.com/',
      JWT_ISSUER: 'https://auth.example.com',
    });
    try {
      expect(await json(await request(set.url, 'GET', '/.well-known/oauth-authorization-server'))).toMatchObject({
        issuer: 'https://auth.example.com',
        jwks_uri: 'https://auth.example.com/.well-known/jwks.json',
        introspection_endpoint: 'https://auth.example.com/oauth/introspect',
        revocation_endpoint: 'https://auth.example.com/oauth/revoke',
      });
    } finally {
      await set.close();
    }
  });
});
