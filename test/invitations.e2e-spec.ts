import { randomUUID } from 'node:crypto';
import type { RunningPlatform } from '@app/server';
import { json, login, registerUser, request, signIn, TEST_ISSUER, TEST_SECRET, uniqueEmail } from './support/auth-client.js';
import { invite, inviteAndAccept } from './support/invitations.js';
import { startTestPlatform, useTestPlatform } from './support/platform.js';
import { withDatabaseClient } from './support/test-database.js';
import { expectError, expectTooManyRequests } from './support/responses.js';

const NOT_A_MEMBER = 'Not a member of this workspace or insufficient role';
const NOT_FOUND = 'Invitation not found';
const platform = useTestPlatform();

interface Person {
  id: string;
  email: string;
  token: string;
}

interface InvitationBody {
  id: string;
  workspace: { id: string; name: string; slug: string };
  email: string;
  role: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  /** Only in the 201 that creates it. */
  token?: string;
}

/** An invitation as the lists show it: without the secret, which only the 201 gives. */
function withoutSecret({ token: _token, ...listed }: InvitationBody): InvitationBody {
  return listed;
}

async function person(audience?: string): Promise<Person> {
  const pair = await signIn(platform.url, audience === undefined ? {} : { audience });
  return { id: pair.user.id, email: pair.email, token: pair.access_token };
}

const call = (who: Person, method: string, path: string, body?: unknown) => request(platform.url, method, path, { token: who.token, body });

/** A workspace with an owner, an admin and a member (who joined by invitation), and someone outside it. */
async function team() {
  const [owner, admin, member, outsider] = await Promise.all([person(), person(), person(), person()]);
  const created = await call(owner, 'POST', '/workspaces', { name: `Team ${randomUUID().slice(0, 8)}` });
  const workspace = await json<{ id: string; name: string; slug: string }>(created);
  expect((await inviteAndAccept(platform.url, owner, workspace.id, admin, 'admin')).status).toBe(200);
  expect((await inviteAndAccept(platform.url, owner, workspace.id, member, 'member')).status).toBe(200);
  return { id: workspace.id, workspace, owner, admin, member, outsider };
}

async function invitation(by: Person, workspaceId: string, email: string, role?: 'owner' | 'admin' | 'member'): Promise<InvitationBody> {
  const response = await invite(platform.url, by, workspaceId, email, role);
  if (response.status !== 201) throw new Error(`invitation failed: ${response.status} ${await response.text()}`);
  return json(response);
}

const pendingIds = async (admin: Person, workspaceId: string) =>
  (await json<InvitationBody[]>(await call(admin, 'GET', `/workspaces/${workspaceId}/invitations`))).map((i) => i.id);
const myIds = async (who: Person) => (await json<InvitationBody[]>(await call(who, 'GET', '/invitations'))).map((i) => i.id);
const roleIn = async (workspaceId: string, who: Person) => {
  const response = await call(who, 'GET', `/workspaces/${workspaceId}`);
  return response.status === 200 ? (await json<{ role: string }>(response)).role : null;
};

async function expireInDatabase(invitationId: string): Promise<void> {
  await withDatabaseClient((client) =>
    client.query("UPDATE workspace_invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [invitationId]),
  );
}

describe('POST /workspaces/:id/invitations', () => {
  it('answers 201 with the invitation, expiring in 7 days by default', async () => {
    const { id, workspace, admin } = await team();
    const email = uniqueEmail('new');
    const response = await invite(platform.url, admin, id, email);
    expect(response.status).toBe(201);
    const body = await json<InvitationBody>(response);
    expect(body).toEqual({
      id: expect.any(String),
      workspace: { id, name: workspace.name, slug: workspace.slug },
      email,
      role: 'member',
      invited_by: admin.id,
      created_at: expect.any(String),
      expires_at: expect.any(String),
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(7 * 24 * 3600 * 1000);
    // The secret is given once, to the inviter: no list shows it.
    expect(JSON.stringify(await json(await call(admin, 'GET', `/workspaces/${id}/invitations`)))).not.toContain(body.token);
  });

  it('gives the same answer whether or not the email is registered', async () => {
    const { id, owner } = await team();
    const registered = await registerUser(platform.url);
    const answers = [];
    for (const email of [registered.email, uniqueEmail('nobody')]) {
      const response = await invite(platform.url, owner, id, email, 'admin');
      const body = await json<InvitationBody>(response);
      answers.push({
        status: response.status,
        headers: [...response.headers.keys()].filter((name) => !['date', 'x-request-id', 'content-length'].includes(name)).sort(),
        body: { ...body, id: 'id', email: 'email', created_at: 'created', expires_at: 'expires', token: 'token' },
        keys: Object.keys(body),
      });
    }
    expect(answers[0].status).toBe(201);
    expect(answers[1]).toEqual(answers[0]);
  });

  it('stores the email as registration does (trimmed, lower case), so the invitee finds it', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const body = await invitation(owner, id, `  ${invitee.email.toUpperCase()} `);
    expect(body.email).toBe(invitee.email);
    expect(await myIds(invitee)).toEqual([body.id]);
  });

  it('lets an owner invite an owner and an admin, and an admin invite a member', async () => {
    const { id, owner, admin } = await team();
    const [newOwner, newAdmin, newMember] = await Promise.all([person(), person(), person()]);
    expect((await inviteAndAccept(platform.url, owner, id, newOwner, 'owner')).status).toBe(200);
    expect((await inviteAndAccept(platform.url, owner, id, newAdmin, 'admin')).status).toBe(200);
    expect((await inviteAndAccept(platform.url, admin, id, newMember)).status).toBe(200);
    expect([await roleIn(id, newOwner), await roleIn(id, newAdmin), await roleIn(id, newMember)]).toEqual(['owner', 'admin', 'member']);
  });

  it.each([['admin'], ['owner']] as const)('refuses an admin inviting as %s', async (role) => {
    const { id, admin } = await team();
    await expectError(await invite(platform.url, admin, id, uniqueEmail(), role), 403, NOT_A_MEMBER);
    expect(await pendingIds(admin, id)).toEqual([]);
  });

  it('refuses a member, an outsider and a workspace that does not exist alike, saying nothing of the email', async () => {
    const { id, member, outsider } = await team();
    const registered = await registerUser(platform.url);
    for (const email of [registered.email, uniqueEmail('nobody')]) {
      await expectError(await invite(platform.url, member, id, email), 403, NOT_A_MEMBER);
      await expectError(await invite(platform.url, outsider, id, email), 403, NOT_A_MEMBER);
      await expectError(await invite(platform.url, outsider, randomUUID(), email), 403, NOT_A_MEMBER);
    }
  });

  it('answers 409 while the email already has a pending invitation to the workspace', async () => {
    const { id, owner, admin } = await team();
    const email = uniqueEmail('twice');
    const first = await invitation(admin, id, email);
    await expectError(
      await invite(platform.url, owner, id, email.toUpperCase(), 'admin'),
      409,
      'This email already has a pending invitation to this workspace',
    );
    expect(await pendingIds(admin, id)).toEqual([first.id]);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email' }, /^email must be a valid email address$/],
    ['no email', { role: 'member' }, /^email is required$/],
    ['an email over 320 characters', { email: `${'a'.repeat(320)}@example.com` }, /email/],
    ['an unknown role', { email: 'a@example.com', role: 'king' }, /^role must be one of owner, admin, member$/],
    ['an unknown field', { email: 'a@example.com', user_id: randomUUID() }, /^property user_id should not exist$/],
  ])('answers 400 for %s', async (_name, body, message) => {
    const { id, owner } = await team();
    await expectError(await call(owner, 'POST', `/workspaces/${id}/invitations`, body), 400, message);
  });

  it('answers 400 for a malformed workspace id', async () => {
    await expectError(await invite(platform.url, await person(), 'not-a-uuid', uniqueEmail()), 400, 'id must be a UUID');
  });

  it('no longer offers adding a member by email or user id', async () => {
    const { id, owner, outsider } = await team();
    const response = await call(owner, 'POST', `/workspaces/${id}/members`, { email: outsider.email });
    expect(response.status).toBe(404);
    expect(await roleIn(id, outsider)).toBeNull();
  });
});

describe('GET and DELETE /workspaces/:id/invitations', () => {
  it("lists the workspace's pending invitations, oldest first, to its admins only", async () => {
    const { id, owner, admin, member, outsider } = await team();
    const first = await invitation(owner, id, uniqueEmail(), 'admin');
    const second = await invitation(admin, id, uniqueEmail());
    expect(await pendingIds(owner, id)).toEqual([first.id, second.id]);
    const listed = await json<InvitationBody[]>(await call(admin, 'GET', `/workspaces/${id}/invitations`));
    expect(listed).toEqual([withoutSecret(first), withoutSecret(second)]);
    await expectError(await call(member, 'GET', `/workspaces/${id}/invitations`), 403, NOT_A_MEMBER);
    await expectError(await call(outsider, 'GET', `/workspaces/${id}/invitations`), 403, NOT_A_MEMBER);
    await expectError(await call(outsider, 'GET', `/workspaces/${randomUUID()}/invitations`), 403, NOT_A_MEMBER);
  });

  it('lets an admin revoke: the invitation can no longer be accepted, and is gone from both lists', async () => {
    const { id, owner, admin } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email, 'admin');
    expect((await call(admin, 'DELETE', `/workspaces/${id}/invitations/${invitationId}`)).status).toBe(204);
    expect(await pendingIds(owner, id)).toEqual([]);
    expect(await myIds(invitee)).toEqual([]);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }), 404, NOT_FOUND);
    expect(await roleIn(id, invitee)).toBeNull();
    await expectError(await call(admin, 'DELETE', `/workspaces/${id}/invitations/${invitationId}`), 404, NOT_FOUND);
  });

  it("refuses a member's revocation, and answers 404 for another workspace's invitation", async () => {
    const a = await team();
    const b = await team();
    const { id: invitationId } = await invitation(a.owner, a.id, uniqueEmail());
    await expectError(await call(a.member, 'DELETE', `/workspaces/${a.id}/invitations/${invitationId}`), 403, NOT_A_MEMBER);
    await expectError(await call(b.owner, 'DELETE', `/workspaces/${a.id}/invitations/${invitationId}`), 403, NOT_A_MEMBER);
    await expectError(await call(b.owner, 'DELETE', `/workspaces/${b.id}/invitations/${invitationId}`), 404, NOT_FOUND);
    expect(await pendingIds(a.owner, a.id)).toEqual([invitationId]);
  });

  it('answers 400 for a malformed invitation id', async () => {
    const { id, owner } = await team();
    await expectError(await call(owner, 'DELETE', `/workspaces/${id}/invitations/nope`), 400, 'invitationId must be a UUID');
  });
});

describe('GET /invitations', () => {
  it("lists the invitations addressed to the caller's email, with the workspace they are to", async () => {
    const a = await team();
    const b = await team();
    const invitee = await person();
    const first = await invitation(a.owner, a.id, invitee.email);
    const second = await invitation(b.admin, b.id, invitee.email);
    await invitation(a.owner, a.id, uniqueEmail('someone-else'));
    expect(await json(await call(invitee, 'GET', '/invitations'))).toEqual([withoutSecret(first), withoutSecret(second)]);
    expect(second.workspace).toEqual({ id: b.id, name: b.workspace.name, slug: b.workspace.slug });
    expect(await myIds(a.outsider)).toEqual([]);
  });

  it('shows an invitation sent before the invitee registered, which they can then accept with its secret, and only with it', async () => {
    // Gatehouse does not verify emails: whoever registers the invited address sees the
    // invitation, but joins only with the secret its inviter passed on.
    const { id, owner } = await team();
    const email = uniqueEmail('later');
    const { id: invitationId, token } = await invitation(owner, id, email);
    const registered = await registerUser(platform.url, email);
    const invitee = { id: registered.id, email, token: (await login(platform.url, email)).access_token };
    expect(await myIds(invitee)).toEqual([invitationId]);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, {}), 400, ['token is required']);
    const guessed = { token: randomUUID() };
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, guessed), 404, NOT_FOUND);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/decline`, guessed), 404, NOT_FOUND);
    expect(await roleIn(id, invitee)).toBeNull();
    expect((await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token })).status).toBe(200);
    expect(await roleIn(id, invitee)).toBe('member');
  });
});

describe('POST /invitations/:id/accept', () => {
  it('answers 200 with the new membership, once: the invitation is used up', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email, 'admin');
    const response = await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      workspace_id: id,
      user_id: invitee.id,
      email: invitee.email,
      name: null,
      role: 'admin',
      created_at: expect.any(String),
    });
    expect(await roleIn(id, invitee)).toBe('admin');
    expect(await myIds(invitee)).toEqual([]);
    expect(await pendingIds(owner, id)).toEqual([]);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }), 404, NOT_FOUND);
  });

  it('answers someone it is not addressed to exactly as for an id that does not exist, and keeps it for the invitee', async () => {
    const { id, owner, outsider } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email, 'owner');
    const stolen = await call(outsider, 'POST', `/invitations/${invitationId}/accept`, { token });
    const missing = await call(outsider, 'POST', `/invitations/${randomUUID()}/accept`, { token });
    expect(stolen.status).toBe(missing.status);
    await expectError(stolen, 404, NOT_FOUND);
    await expectError(missing, 404, NOT_FOUND);
    await expectError(await call(owner, 'POST', `/invitations/${invitationId}/accept`, { token }), 404, NOT_FOUND);
    expect(await roleIn(id, outsider)).toBeNull();
    expect((await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token })).status).toBe(200);
    expect(await roleIn(id, invitee)).toBe('owner');
  });

  it('answers 409 to someone who is already a member, leaving the invitation pending', async () => {
    const { id, owner, member } = await team();
    const { id: invitationId, token } = await invitation(owner, id, member.email, 'admin');
    await expectError(await call(member, 'POST', `/invitations/${invitationId}/accept`, { token }), 409, 'User is already a member');
    expect(await roleIn(id, member)).toBe('member');
    expect(await myIds(member)).toEqual([invitationId]);
  });

  it('refuses an expired invitation, which no list shows any more and a new invitation replaces', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email);
    await expireInDatabase(invitationId);
    expect(await myIds(invitee)).toEqual([]);
    expect(await pendingIds(owner, id)).toEqual([]);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }), 404, NOT_FOUND);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/decline`, { token }), 404, NOT_FOUND);
    await expectError(await call(owner, 'DELETE', `/workspaces/${id}/invitations/${invitationId}`), 404, NOT_FOUND);
    expect(await roleIn(id, invitee)).toBeNull();
    const renewed = await invitation(owner, id, invitee.email);
    expect((await call(invitee, 'POST', `/invitations/${renewed.id}/accept`, { token: renewed.token })).status).toBe(200);
  });

  it('lets exactly one of two accepts at the same moment through', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email);
    const statuses = await Promise.all([
      call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }),
      call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }),
    ]);
    expect(statuses.map((response) => response.status).sort()).toEqual([200, 404]);
    expect(await roleIn(id, invitee)).toBe('member');
  });

  it('refuses the invitations of a deleted workspace', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email);
    expect((await call(owner, 'DELETE', `/workspaces/${id}`)).status).toBe(204);
    expect(await myIds(invitee)).toEqual([]);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }), 404, NOT_FOUND);
  });

  it('answers 400 for a malformed id', async () => {
    await expectError(await call(await person(), 'POST', '/invitations/nope/accept', { token: 'x' }), 400, 'id must be a UUID');
  });
});

describe('POST /invitations/:id/decline', () => {
  it('answers 204; the invitation can then not be accepted and is in no list', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email);
    expect((await call(invitee, 'POST', `/invitations/${invitationId}/decline`, { token })).status).toBe(204);
    expect(await myIds(invitee)).toEqual([]);
    expect(await pendingIds(owner, id)).toEqual([]);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token }), 404, NOT_FOUND);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/decline`, { token }), 404, NOT_FOUND);
    expect(await roleIn(id, invitee)).toBeNull();
  });

  it('answers 404 to someone it is not addressed to, changing nothing', async () => {
    const { id, owner, outsider } = await team();
    const invitee = await person();
    const { id: invitationId, token } = await invitation(owner, id, invitee.email);
    await expectError(await call(outsider, 'POST', `/invitations/${invitationId}/decline`, { token }), 404, NOT_FOUND);
    expect(await myIds(invitee)).toEqual([invitationId]);
  });
});

describe('audiences', () => {
  it.each([['web'], ['api']])('serves a token narrowed to %s', async (audience) => {
    const { id, owner } = await team();
    const invitee = await person(audience);
    const { id: invitationId, token } = await invitation(owner, id, invitee.email);
    expect((await call(invitee, 'GET', '/invitations')).status).toBe(200);
    expect((await call(invitee, 'POST', `/invitations/${invitationId}/accept`, { token })).status).toBe(200);
  });

  it.each([['mcp'], ['a2a']])('refuses a token narrowed to %s on every invitation route', async (audience) => {
    const { id, owner } = await team();
    const agent = await person(audience);
    const { id: invitationId, token } = await invitation(owner, id, agent.email);
    const calls = [
      call(agent, 'POST', `/workspaces/${id}/invitations`, { email: uniqueEmail() }),
      call(agent, 'GET', `/workspaces/${id}/invitations`),
      call(agent, 'DELETE', `/workspaces/${id}/invitations/${invitationId}`),
      call(agent, 'GET', '/invitations'),
      call(agent, 'POST', `/invitations/${invitationId}/accept`, { token }),
      call(agent, 'POST', `/invitations/${invitationId}/decline`, { token }),
    ];
    for (const response of await Promise.all(calls)) await expectError(response, 403, 'Invalid audience: this route accepts web, api');
    expect(await pendingIds(owner, id)).toEqual([invitationId]);
  });
});

describe('limits (INVITATION_RATE_LIMIT, INVITATION_EXPIRATION)', () => {
  let limited: RunningPlatform;
  beforeAll(async () => {
    limited = await startTestPlatform({ INVITATION_RATE_LIMIT: '3', INVITATION_EXPIRATION: '3600' });
  });
  afterAll(() => limited.close());

  const signedIn = async (): Promise<Person> => {
    const pair = await signIn(limited.url);
    return { id: pair.user.id, email: pair.email, token: pair.access_token };
  };
  const workspaceOf = async (owner: Person) =>
    (await json<{ id: string }>(await request(limited.url, 'POST', '/workspaces', { token: owner.token, body: { name: 'Limited' } }))).id;

  it('answers 429 with Retry-After once a user has sent INVITATION_RATE_LIMIT invitations within the hour', async () => {
    const owner = await signedIn();
    const [first, second] = [await workspaceOf(owner), await workspaceOf(owner)];
    // Every attempt counts, whichever workspace it is for.
    expect((await invite(limited.url, owner, first, uniqueEmail())).status).toBe(201);
    expect((await invite(limited.url, owner, second, uniqueEmail())).status).toBe(201);
    expect((await invite(limited.url, owner, first, uniqueEmail())).status).toBe(201);
    const refused = await invite(limited.url, owner, second, uniqueEmail());
    await expectTooManyRequests(refused, 3600);
    const listed = await request(limited.url, 'GET', `/workspaces/${second}/invitations`, { token: owner.token });
    expect((await json<unknown[]>(listed)).length).toBe(1);
  });

  it('counts per inviting user: another admin of the same workspace may still invite', async () => {
    const owner = await signedIn();
    const admin = await signedIn();
    const id = await workspaceOf(owner);
    expect((await inviteAndAccept(limited.url, owner, id, admin, 'admin')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await invite(limited.url, owner, id, uniqueEmail())).status).toBe(201);
    await expectTooManyRequests(await invite(limited.url, owner, id, uniqueEmail()), 3600);
    expect((await invite(limited.url, admin, id, uniqueEmail())).status).toBe(201);
  });

  it('does not limit the other invitation routes', async () => {
    const owner = await signedIn();
    const id = await workspaceOf(owner);
    for (let i = 0; i < 3; i++) expect((await invite(limited.url, owner, id, uniqueEmail())).status).toBe(201);
    for (let i = 0; i < 5; i++) {
      expect((await request(limited.url, 'GET', `/workspaces/${id}/invitations`, { token: owner.token })).status).toBe(200);
      expect((await request(limited.url, 'GET', '/invitations', { token: owner.token })).status).toBe(200);
    }
  });

  it('expires invitations after INVITATION_EXPIRATION seconds', async () => {
    const owner = await signedIn();
    const id = await workspaceOf(owner);
    const body = await json<InvitationBody>(await invite(limited.url, owner, id, uniqueEmail()));
    expect(Date.parse(body.expires_at) - Date.parse(body.created_at)).toBe(3600 * 1000);
  });
});

const redisUrl = process.env.GATEHOUSE_TEST_REDIS_URL;
(redisUrl ? describe : describe.skip)('shared invitation counters in Redis (REDIS_URL; runs when GATEHOUSE_TEST_REDIS_URL is set)', () => {
  let first: RunningPlatform;
  let second: RunningPlatform;
  beforeAll(async () => {
    const env = { REDIS_URL: redisUrl, INVITATION_RATE_LIMIT: '2', PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER };
    first = await startTestPlatform(env);
    second = await startTestPlatform(env);
  });
  afterAll(async () => {
    await first.close();
    await second.close();
  });

  it("counts a user's invitations across instances", async () => {
    const pair = await signIn(first.url);
    const owner = { token: pair.access_token };
    const created = await request(first.url, 'POST', '/workspaces', { token: owner.token, body: { name: 'Shared' } });
    const { id } = await json<{ id: string }>(created);
    expect((await invite(first.url, owner, id, uniqueEmail())).status).toBe(201);
    expect((await invite(second.url, owner, id, uniqueEmail())).status).toBe(201);
    await expectTooManyRequests(await invite(first.url, owner, id, uniqueEmail()), 3600);
  });
});
