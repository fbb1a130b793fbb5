import type { RunningPlatform } from '@app/server';
import {
  decode,
  forge,
  json,
  login,
  PASSWORD,
  registerUser,
  request,
  signIn,
  TEST_ISSUER,
  TEST_SECRET,
  withClaims,
} from './support/auth-client.js';
import { runGatehouse, startGatehouseServer } from './support/gatehouse-process.js';
import { startTestPlatform, testDatabaseUrl } from './support/platform.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

const GRACE_SECONDS = 1;
let platform: RunningPlatform;
let base: string;

beforeAll(async () => {
  platform = await startTestPlatform({
    PLATFORM_JWT_SECRET: TEST_SECRET,
    JWT_ISSUER: TEST_ISSUER,
    REFRESH_GRACE_SECONDS: String(GRACE_SECONDS),
  });
  base = platform.url;
});
afterAll(() => platform.close());

const refresh = (refreshToken: string) => request(base, 'POST', '/auth/refresh', { body: { refresh_token: refreshToken } });
const me = (token: string, at = base) => request(at, 'GET', '/auth/me', { token });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function storedSession(sessionId: string): Promise<Record<string, unknown> | undefined> {
  return withDatabaseClient(async (client) => (await client.query('SELECT * FROM sessions WHERE id = $1', [sessionId])).rows[0]);
}

describe('refresh rotation', () => {
  it('returns a new pair for the same session and user', async () => {
    const pair = await signIn(base, { audience: ['web', 'api'] });
    const response = await refresh(pair.refresh_token);
    expect(response.status).toBe(200);
    const next = await json(response);
    expect(next).toMatchObject({ token_type: 'Bearer', audience: ['web', 'api'], user: { id: pair.user.id } });
    expect(next.refresh_token).not.toBe(pair.refresh_token);
    expect(decode(next.access_token).payload.sid).toBe(decode(pair.access_token).payload.sid);
    expect((await me(next.access_token)).status).toBe(200);
  });

  it('stores only hashes of refresh tokens', async () => {
    const pair = await signIn(base);
    const row = await storedSession(decode(pair.access_token).payload.sid as string);
    expect(JSON.stringify(row)).not.toContain(pair.refresh_token);
    expect((row!.refresh_token_hash as Buffer).length).toBe(32);
  });

  it('answers a retry of a just-rotated token within the grace window with the same successor and a working access token', async () => {
    // The client's first refresh succeeded on the server, but its answer was lost.
    const pair = await signIn(base);
    const lost = await json(await refresh(pair.refresh_token));
    const retried = await refresh(pair.refresh_token);
    expect(retried.status).toBe(200);
    const again = await json(retried);
    expect(again.refresh_token).toBe(lost.refresh_token);
    expect(again.access_token).not.toBe(lost.access_token);
    expect(decode(again.access_token).payload.sid).toBe(decode(pair.access_token).payload.sid);
    expect(again.refresh_expires_in).toBeGreaterThan(0);
    expect((await me(again.access_token)).status).toBe(200);
    expect((await me(lost.access_token)).status).toBe(200);
    // The successor goes on working, once: the chain continues from it.
    const next = await json(await refresh(again.refresh_token));
    expect((await me(next.access_token)).status).toBe(200);
  });

  it('never answers a retry with a revoked session', async () => {
    const pair = await signIn(base);
    const next = await json(await refresh(pair.refresh_token));
    expect((await request(base, 'POST', '/auth/logout', { token: next.access_token })).status).toBe(204);
    await expectError(await refresh(pair.refresh_token), 401, 'Session revoked');
  });

  it('refuses a retry of a token two rotations old, within the grace window too, as a replay', async () => {
    const pair = await signIn(base);
    const second = await json(await refresh(pair.refresh_token));
    const third = await json(await refresh(second.refresh_token));
    await expectError(await refresh(pair.refresh_token), 401, 'Refresh token reuse detected; the session has been revoked');
    await expectError(await me(third.access_token), 401, 'Token revoked');
  });

  it('rejects a reused refresh token after the grace window and revokes the whole session', async () => {
    const pair = await signIn(base);
    const next = await json(await refresh(pair.refresh_token));
    await sleep(GRACE_SECONDS * 1000 + 200);
    await expectError(await refresh(pair.refresh_token), 401, 'Refresh token reuse detected; the session has been revoked');
    await expectError(await me(next.access_token), 401, 'Token revoked');
    await expectError(await me(pair.access_token), 401, 'Token revoked');
    await expectError(await refresh(next.refresh_token), 401, 'Session revoked');
    expect((await storedSession(decode(pair.access_token).payload.sid as string))!.revoked_reason).toBe('reuse_detected');
  });

  it('gives concurrent refreshes of one token one successor, the same for all of them', async () => {
    const pair = await signIn(base);
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(pair.refresh_token)));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const bodies = await Promise.all(responses.map((response) => json(response)));
    expect(new Set(bodies.map((body) => body.refresh_token)).size).toBe(1);
    for (const body of bodies) expect((await me(body.access_token)).status).toBe(200);
    expect((await refresh(bodies[0].refresh_token)).status).toBe(200);
  });

  it('answers an expired refresh token 401 Refresh token expired', async () => {
    const pair = await signIn(base);
    const now = Math.floor(Date.now() / 1000);
    const expired = withClaims(pair.refresh_token, { iat: now - 1000, exp: now - 100 });
    await expectError(await refresh(expired), 401, 'Refresh token expired');
  });

  it('answers a forged or unknown refresh token 401 Invalid refresh token', async () => {
    await expectError(await refresh('garbage'), 401, 'Invalid refresh token');
    await expectError(await refresh(forge({}, { typ: 'rt+jwt' })), 401, 'Invalid refresh token');
  });

  it('refuses a refresh request without the token, or with extra fields', async () => {
    await expectError(await request(base, 'POST', '/auth/refresh', { body: {} }), 400, /refresh_token/);
    const pair = await signIn(base);
    await expectError(
      await request(base, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token, sid: 'x' } }),
      400,
      /property sid should not exist/,
    );
  });
});

describe('the absolute session lifetime (SESSION_MAX_LIFETIME)', () => {
  let bounded: RunningPlatform;
  beforeAll(async () => {
    bounded = await startTestPlatform({
      PLATFORM_JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: TEST_ISSUER,
      JWT_REFRESH_TOKEN_EXPIRATION: '3600',
      SESSION_MAX_LIFETIME: '120',
    });
  });
  afterAll(() => bounded.close());

  it('bounds every refresh token of a session by its login, however often it is refreshed', async () => {
    const pair = await signIn(bounded.url);
    const authTime = decode(pair.refresh_token).payload.auth_time as number;
    expect(decode(pair.refresh_token).payload.exp).toBe(authTime + 120);
    expect(pair.refresh_expires_in).toBe(120);
    await sleep(1100);
    const next = await json(await request(bounded.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } }));
    expect(decode(next.refresh_token).payload).toMatchObject({ auth_time: authTime, exp: authTime + 120 });
    expect(next.refresh_expires_in).toBeLessThan(120);
    const row = await storedSession(decode(pair.access_token).payload.sid as string);
    expect((row!.expires_at as Date).getTime()).toBe((authTime + 120) * 1000);
  });

  it('refuses to refresh a session that has lived its absolute lifetime', async () => {
    const pair = await signIn(bounded.url);
    const now = Math.floor(Date.now() / 1000);
    const old = withClaims(pair.refresh_token, { auth_time: now - 121, iat: now - 10, exp: now + 100 });
    await expectError(await request(bounded.url, 'POST', '/auth/refresh', { body: { refresh_token: old } }), 401, 'Refresh token expired');
  });
});

describe('logout', () => {
  it('revokes the current session by default (scope local): its tokens stop working at once', async () => {
    const { email } = await registerUser(base);
    const [current, other] = [await login(base, email), await login(base, email)];
    const response = await request(base, 'POST', '/auth/logout', { token: current.access_token });
    expect(response.status).toBe(204);
    await expectError(await me(current.access_token), 401, 'Token revoked');
    await expectError(await refresh(current.refresh_token), 401, 'Session revoked');
    expect((await me(other.access_token)).status).toBe(200);
  });

  it('revokes every session of the user with scope=global', async () => {
    const { email } = await registerUser(base);
    const sessions = [await login(base, email), await login(base, email), await login(base, email)];
    expect((await request(base, 'POST', '/auth/logout?scope=global', { token: sessions[0].access_token })).status).toBe(204);
    for (const session of sessions) await expectError(await me(session.access_token), 401, 'Token revoked');
  });

  it('revokes every other session with scope=others', async () => {
    const { email } = await registerUser(base);
    const [current, other] = [await login(base, email), await login(base, email)];
    expect((await request(base, 'POST', '/auth/logout?scope=others', { token: current.access_token })).status).toBe(204);
    expect((await me(current.access_token)).status).toBe(200);
    await expectError(await me(other.access_token), 401, 'Token revoked');
  });

  it('leaves other users alone', async () => {
    const [mine, theirs] = [await signIn(base), await signIn(base)];
    await request(base, 'POST', '/auth/logout?scope=global', { token: mine.access_token });
    expect((await me(theirs.access_token)).status).toBe(200);
  });

  it('refuses an unknown scope with 400', async () => {
    const pair = await signIn(base);
    const response = await request(base, 'POST', '/auth/logout?scope=everything', { token: pair.access_token });
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: ['scope must be one of local, global, others'],
    });
  });

  it('needs an access token', async () => {
    await expectError(await request(base, 'POST', '/auth/logout'), 401, 'Missing Authorization header');
  });
});

describe('GET /auth/sessions and DELETE /auth/sessions/:id', () => {
  it("lists the caller's live sessions with id, created, last used, user agent, ip and current", async () => {
    const { email } = await registerUser(base);
    const first = await login(base, email);
    const response = await request(base, 'POST', '/auth/login', {
      body: { email, password: PASSWORD },
      headers: { 'user-agent': 'gatehouse-test/1.0' },
    });
    const second = await json(response);
    const page = await json(await request(base, 'GET', '/auth/sessions', { token: second.access_token }));
    expect(page).toMatchObject({ total: 2, limit: 50, offset: 0 });
    const list = page.items;
    expect(list).toHaveLength(2);
    const current = list.find((session: { current: boolean }) => session.current);
    expect(current).toEqual({
      id: decode(second.access_token).payload.sid,
      created_at: expect.any(String),
      last_used_at: expect.any(String),
      user_agent: 'gatehouse-test/1.0',
      ip: '127.0.0.1',
      audiences: ['web', 'api', 'a2a', 'mcp'],
      current: true,
    });
    expect(list.find((session: { current: boolean }) => !session.current).id).toBe(decode(first.access_token).payload.sid);
  });

  it('does not list revoked sessions', async () => {
    const { email } = await registerUser(base);
    const [gone, kept] = [await login(base, email), await login(base, email)];
    await request(base, 'POST', '/auth/logout', { token: gone.access_token });
    const { items, total } = await json(await request(base, 'GET', '/auth/sessions', { token: kept.access_token }));
    expect(items.map((session: { id: string }) => session.id)).toEqual([decode(kept.access_token).payload.sid]);
    expect(total).toBe(1);
  });

  it('pages through the sessions like /workspaces: ?limit&offset, most recently used first, with the total', async () => {
    const { email } = await registerUser(base);
    const pairs = [];
    for (let i = 0; i < 3; i++) pairs.push(await login(base, email));
    const sids = pairs.map((pair) => decode(pair.access_token).payload.sid as string);
    const token = pairs[2].access_token;
    const page = async (query: string) => {
      const body = await json(await request(base, 'GET', `/auth/sessions?${query}`, { token }));
      return { ...body, items: body.items.map((session: { id: string }) => session.id) };
    };
    expect(await page('limit=2')).toEqual({ items: [sids[2], sids[1]], total: 3, limit: 2, offset: 0 });
    expect(await page('limit=2&offset=2')).toEqual({ items: [sids[0]], total: 3, limit: 2, offset: 2 });
    expect(await page('offset=3')).toEqual({ items: [], total: 3, limit: 50, offset: 3 });
  });

  it.each([
    ['limit=0', 'limit must be an integer from 1 to 200'],
    ['limit=abc', 'limit must be an integer from 1 to 200'],
    ['offset=1000001', 'offset must be an integer from 0 to 1000000'],
    ['offset=0x10', 'offset must be an integer from 0 to 1000000'],
  ])('answers ?%s with 400 and the same message as /workspaces', async (query, message) => {
    const { access_token: token } = await signIn(base);
    await expectError(await request(base, 'GET', `/auth/sessions?${query}`, { token }), 400, [message]);
    await expectError(await request(base, 'GET', `/workspaces?${query}`, { token }), 400, [message]);
  });

  it("deletes one of the caller's sessions, revoking its tokens at once", async () => {
    const { email } = await registerUser(base);
    const [keeper, victim] = [await login(base, email), await login(base, email)];
    const sid = decode(victim.access_token).payload.sid as string;
    expect((await request(base, 'DELETE', `/auth/sessions/${sid}`, { token: keeper.access_token })).status).toBe(204);
    await expectError(await me(victim.access_token), 401, 'Token revoked');
    expect((await me(keeper.access_token)).status).toBe(200);
  });

  it("answers 404 for someone else's session and leaves it alive", async () => {
    const [mine, theirs] = [await signIn(base), await signIn(base)];
    const sid = decode(theirs.access_token).payload.sid as string;
    await expectError(await request(base, 'DELETE', `/auth/sessions/${sid}`, { token: mine.access_token }), 404, 'Session not found');
    expect((await me(theirs.access_token)).status).toBe(200);
  });

  it('answers 404 for an unknown session id and 400 for a malformed one', async () => {
    const pair = await signIn(base);
    await expectError(
      await request(base, 'DELETE', '/auth/sessions/6f1c1d1e-2a4b-4c5d-8e9f-0a1b2c3d4e5f', { token: pair.access_token }),
      404,
      'Session not found',
    );
    await expectError(await request(base, 'DELETE', '/auth/sessions/not-a-uuid', { token: pair.access_token }), 400, 'id must be a UUID');
  });
});

describe('revocation across instances', () => {
  it('is seen by a second Gatehouse process on the same database within a second', async () => {
    const second = await startGatehouseServer({
      PLATFORM_ENV: 'dev',
      DATABASE_URL: testDatabaseUrl(),
      PLATFORM_JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: TEST_ISSUER,
    });
    try {
      const pair = await signIn(base);
      expect((await me(pair.access_token, second.baseUrl)).status).toBe(200);
      expect((await request(base, 'POST', '/auth/logout', { token: pair.access_token })).status).toBe(204);
      const deadline = Date.now() + 1000;
      let status = 200;
      while (Date.now() < deadline && status === 200) {
        status = (await me(pair.access_token, second.baseUrl)).status;
        if (status === 200) await sleep(25);
      }
      expect(status).toBe(401);
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('is loaded at start-up by an instance that was not running when it happened', async () => {
    const pair = await signIn(base);
    await request(base, 'POST', '/auth/logout', { token: pair.access_token });
    const late = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER });
    try {
      await expectError(await me(pair.access_token, late.url), 401, 'Token revoked');
    } finally {
      await late.close();
    }
  });

  it('still holds after JWT_ACCESS_TOKEN_EXPIRATION is lowered below the age of the revocation', async () => {
    // Issued under the default 30-day lifetime, revoked two hours ago (as far as the table says).
    const pair = await signIn(base);
    await request(base, 'POST', '/auth/logout', { token: pair.access_token });
    await withDatabaseClient((client) =>
      client.query(`UPDATE sessions SET revoked_at = now() - interval '2 hours' WHERE id = $1`, [decode(pair.access_token).payload.sid]),
    );
    // An instance configured for one-hour tokens keeps revocations for an hour: the token's
    // session is not in its set, but a 30-day token is not one it accepts any more.
    const lowered = await startTestPlatform({
      PLATFORM_JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: TEST_ISSUER,
      JWT_ACCESS_TOKEN_EXPIRATION: '3600',
    });
    try {
      await expectError(await me(pair.access_token, lowered.url), 401, 'Token expired');
      // A token of today's lifetime works there, and a live session's old token is refreshed into one.
      const fresh = await signIn(lowered.url);
      expect(decode(fresh.access_token).payload.exp).toBe((decode(fresh.access_token).payload.iat as number) + 3600);
      expect((await me(fresh.access_token, lowered.url)).status).toBe(200);
      const live = await signIn(base);
      await expectError(await me(live.access_token, lowered.url), 401, 'Token expired');
      const refreshed = await json(await request(lowered.url, 'POST', '/auth/refresh', { body: { refresh_token: live.refresh_token } }));
      expect((await me(refreshed.access_token, lowered.url)).status).toBe(200);
    } finally {
      await lowered.close();
    }
  });
});

describe('disabling a user', () => {
  it("revokes the user's tokens at once and refuses its logins with the usual 401", async () => {
    const { email } = await registerUser(base);
    const pair = await login(base, email);
    const result = await runGatehouse(['user', 'disable', '--email', email], {
      PLATFORM_ENV: 'dev',
      DATABASE_URL: testDatabaseUrl(),
      PLATFORM_JWT_SECRET: TEST_SECRET,
      JWT_ISSUER: TEST_ISSUER,
    });
    expect(result).toMatchObject({ code: 0, stdout: `Disabled user ${email}; its sessions are revoked\n` });
    const deadline = Date.now() + 1000;
    let status = 200;
    while (Date.now() < deadline && status === 200) status = (await me(pair.access_token)).status;
    expect(status).toBe(401);
    await expectError(await me(pair.access_token), 401, 'Token revoked');
    await expectError(
      await request(base, 'POST', '/auth/login', { body: { email, password: PASSWORD } }),
      401,
      'Invalid email or password',
    );
    await expectError(await refresh(pair.refresh_token), 401, 'Session revoked');
  });

  it('says so when there is no such user', async () => {
    const result = await runGatehouse(['user', 'disable', '--email', 'nobody@example.com'], {
      PLATFORM_ENV: 'dev',
      DATABASE_URL: testDatabaseUrl(),
    });
    expect(result).toMatchObject({ code: 1, stderr: 'Cannot disable user: no user with email nobody@example.com\n' });
  });
});

describe("an agent's token and the user's other sessions (SPEC section 3)", () => {
  const challenge = (message: string) => `Bearer realm="gatehouse", error="insufficient_scope", error_description="${message}"`;
  const ROUTE_REFUSAL = 'Invalid audience: this route accepts web, api';

  it('cannot list or delete the user’s sessions with an mcp or a2a token', async () => {
    const { email } = await registerUser(base);
    const device = await login(base, email, PASSWORD, { audience: 'web' });
    for (const audience of ['mcp', 'a2a']) {
      const agent = await login(base, email, PASSWORD, { audience });
      const listed = await request(base, 'GET', '/auth/sessions', { token: agent.access_token });
      expect(listed.headers.get('www-authenticate')).toBe(challenge(ROUTE_REFUSAL));
      await expectError(listed, 403, ROUTE_REFUSAL);
      const sid = decode(device.access_token).payload.sid as string;
      await expectError(await request(base, 'DELETE', `/auth/sessions/${sid}`, { token: agent.access_token }), 403, ROUTE_REFUSAL);
    }
    expect((await me(device.access_token)).status).toBe(200);
  });

  it('cannot sign the user out elsewhere with an mcp token, but can end its own session', async () => {
    const { email } = await registerUser(base);
    const device = await login(base, email, PASSWORD, { audience: 'api' });
    const agent = await login(base, email, PASSWORD, { audience: 'mcp' });
    for (const scope of ['global', 'others']) {
      const refused = await request(base, 'POST', `/auth/logout?scope=${scope}`, { token: agent.access_token });
      const message = `Invalid audience: scope=${scope} accepts web, api`;
      expect(refused.headers.get('www-authenticate')).toBe(challenge(message));
      await expectError(refused, 403, message);
    }
    expect((await me(device.access_token)).status).toBe(200);
    expect((await request(base, 'POST', '/auth/logout', { token: agent.access_token })).status).toBe(204);
    await expectError(await me(agent.access_token), 401, 'Token revoked');
    expect((await me(device.access_token)).status).toBe(200);
  });

  it('lets a web or api token manage the sessions as before', async () => {
    const { email } = await registerUser(base);
    const web = await login(base, email, PASSWORD, { audience: ['web', 'mcp'] });
    expect((await request(base, 'GET', '/auth/sessions', { token: web.access_token })).status).toBe(200);
  });
});
