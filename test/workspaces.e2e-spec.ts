import { randomUUID } from 'node:crypto';
import { SessionsService } from '@app/auth';
import { json, login, PASSWORD, registerUser, request, signIn } from './support/auth-client.js';
import { invite, inviteAndAccept } from './support/invitations.js';
import { useTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

const NOT_A_MEMBER = 'Not a member of this workspace or insufficient role';
const platform = useTestPlatform();

interface Person {
  id: string;
  email: string;
  token: string;
}

async function person(audience?: string | string[]): Promise<Person> {
  const pair = await signIn(platform.url, audience === undefined ? {} : { audience });
  return { id: pair.user.id, email: pair.email, token: pair.access_token };
}

const call = (who: Person, method: string, path: string, body?: unknown) => request(platform.url, method, path, { token: who.token, body });
const uniqueName = (label = 'Team') => `${label} ${randomUUID().slice(0, 8)}`;

async function createWorkspace(owner: Person, body: Record<string, unknown> = {}): Promise<{ id: string; slug: string }> {
  const response = await call(owner, 'POST', '/workspaces', { name: uniqueName(), ...body });
  if (response.status !== 201) throw new Error(`create failed: ${response.status} ${await response.text()}`);
  return json(response);
}

/** `who` joins the workspace: `by` invites them with `role`, and they accept. */
async function join(by: Person, workspaceId: string, who: Person, role: 'owner' | 'admin' | 'member'): Promise<void> {
  const accepted = await inviteAndAccept(platform.url, by, workspaceId, who, role);
  if (accepted.status !== 200) throw new Error(`joining failed: ${accepted.status} ${await accepted.text()}`);
}

/** A workspace with an owner, an admin and a member, and someone outside it. */
async function team() {
  const [owner, admin, member, outsider] = await Promise.all([person(), person(), person(), person()]);
  const workspace = await createWorkspace(owner);
  await join(owner, workspace.id, admin, 'admin');
  await join(owner, workspace.id, member, 'member');
  return { id: workspace.id, owner, admin, member, outsider };
}

async function ownerCount(workspaceId: string): Promise<number> {
  return withDatabaseClient(async (client) => {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'", [
      workspaceId,
    ]);
    return rows[0].n;
  });
}

describe('POST /workspaces', () => {
  it('creates the workspace with the creator as owner', async () => {
    const owner = await person();
    const response = await call(owner, 'POST', '/workspaces', {
      name: 'Research',
      slug: `research-${randomUUID().slice(0, 8)}`,
      description: 'R&D',
    });
    expect(response.status).toBe(201);
    expect(await json(response)).toEqual({
      id: expect.any(String),
      name: 'Research',
      slug: expect.stringMatching(/^research-/),
      description: 'R&D',
      settings: {},
      created_at: expect.any(String),
      updated_at: expect.any(String),
      role: 'owner',
    });
  });

  it('makes the slug from the name when none is given', async () => {
    const suffix = randomUUID().slice(0, 8);
    const workspace = await createWorkspace(await person(), { name: `Ünïcode  Team #1 ${suffix}` });
    expect(workspace.slug).toBe(`unicode-team-1-${suffix}`);
  });

  it('adds a short suffix when the slug made from the name is taken', async () => {
    const name = uniqueName('Same');
    const first = await createWorkspace(await person(), { name });
    const second = await createWorkspace(await person(), { name });
    expect(second.slug).toMatch(new RegExp(`^${first.slug}-[0-9a-f]{6}$`));
  });

  it('answers 409 for a slug that is taken', async () => {
    const { slug } = await createWorkspace(await person());
    await expectError(await call(await person(), 'POST', '/workspaces', { name: 'Copy', slug }), 409, 'Slug already taken');
  });

  it.each([
    ['an invalid slug', { name: 'x', slug: 'Not A Slug' }, /^slug must be 1 to 64 lower-case letters/],
    ['an empty name', { name: '   ' }, /^name must not be empty/],
    ['no name', {}, /name/],
    ['an unknown field', { name: 'x', owner_id: randomUUID() }, /property owner_id should not exist/],
  ])('answers 400 for %s', async (_name, body, message) => {
    await expectError(await call(await person(), 'POST', '/workspaces', body), 400, message);
  });
});

describe('GET /workspaces', () => {
  it("lists only the caller's workspaces, with the caller's role", async () => {
    const { id, admin, outsider } = await team();
    const own = await createWorkspace(admin);
    const list = await json(await call(admin, 'GET', '/workspaces'));
    expect(list).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(list.items.map((w: { id: string; role: string }) => [w.id, w.role])).toEqual([
      [id, 'admin'],
      [own.id, 'owner'],
    ]);
    expect(await json(await call(outsider, 'GET', '/workspaces'))).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
  });

  it('pages with limit and offset', async () => {
    const owner = await person();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createWorkspace(owner)).id);
    const firstPage = await json(await call(owner, 'GET', '/workspaces?limit=2'));
    expect(firstPage).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(firstPage.items.map((w: { id: string }) => w.id)).toEqual(ids.slice(0, 2));
    const secondPage = await json(await call(owner, 'GET', '/workspaces?limit=2&offset=2'));
    expect(secondPage.items.map((w: { id: string }) => w.id)).toEqual(ids.slice(2));
    expect((await json(await call(owner, 'GET', '/workspaces?limit=200&offset=5'))).items).toEqual([]);
  });

  it.each([['limit=0'], ['limit=201'], ['limit=abc'], ['limit=1.5'], ['offset=-1']])('answers 400 for %s', async (query) => {
    await expectError(
      await call(await person(), 'GET', `/workspaces?${query}`),
      400,
      /^(limit must be an integer from 1 to 200|offset must be an integer from 0 to 1000000)$/,
    );
  });
});

describe('GET, PATCH and DELETE /workspaces/:id', () => {
  it('lets every member read the workspace, with their role', async () => {
    const { id, owner, admin, member } = await team();
    for (const [who, role] of [
      [owner, 'owner'],
      [admin, 'admin'],
      [member, 'member'],
    ] as const) {
      const response = await call(who, 'GET', `/workspaces/${id}`);
      expect(response.status).toBe(200);
      expect((await json(response)).role).toBe(role);
    }
  });

  it('answers the same 403 to a non-member and for a workspace that does not exist', async () => {
    const { id, outsider } = await team();
    await expectError(await call(outsider, 'GET', `/workspaces/${id}`), 403, NOT_A_MEMBER);
    await expectError(await call(outsider, 'GET', `/workspaces/${randomUUID()}`), 403, NOT_A_MEMBER);
    await expectError(await call(outsider, 'PATCH', `/workspaces/${randomUUID()}`, { name: 'x' }), 403, NOT_A_MEMBER);
    await expectError(await call(outsider, 'DELETE', `/workspaces/${randomUUID()}`), 403, NOT_A_MEMBER);
  });

  it('answers 400 for a malformed id, naming the parameter', async () => {
    await expectError(await call(await person(), 'GET', '/workspaces/not-a-uuid'), 400, 'id must be a UUID');
    const { id, owner } = await team();
    await expectError(await call(owner, 'PATCH', `/workspaces/${id}/members/not-a-uuid`, { role: 'admin' }), 400, 'userId must be a UUID');
  });

  it('lets an admin or owner update name, slug, description and settings', async () => {
    const { id, owner, admin } = await team();
    const slug = `renamed-${randomUUID().slice(0, 8)}`;
    const response = await call(admin, 'PATCH', `/workspaces/${id}`, {
      name: 'Renamed',
      slug,
      description: null,
      settings: { theme: 'dark' },
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ name: 'Renamed', slug, description: null, settings: { theme: 'dark' }, role: 'admin' });
    expect((await call(owner, 'PATCH', `/workspaces/${id}`, { description: 'by the owner' })).status).toBe(200);
  });

  it('answers the whole updated workspace when only some fields change', async () => {
    const { id, owner } = await team();
    await call(owner, 'PATCH', `/workspaces/${id}`, { settings: { theme: 'dark' } });
    const before = await json(await call(owner, 'GET', `/workspaces/${id}`));
    const response = await call(owner, 'PATCH', `/workspaces/${id}`, { description: 'only this' });
    expect(response.status).toBe(200);
    const updated = await json(response);
    expect(updated).toEqual({ ...before, description: 'only this', updated_at: expect.any(String) });
    expect(await json(await call(owner, 'GET', `/workspaces/${id}`))).toEqual(updated);
  });

  it('refuses an update by a member or an outsider', async () => {
    const { id, member, outsider } = await team();
    await expectError(await call(member, 'PATCH', `/workspaces/${id}`, { name: 'x' }), 403, NOT_A_MEMBER);
    await expectError(await call(outsider, 'PATCH', `/workspaces/${id}`, { name: 'x' }), 403, NOT_A_MEMBER);
  });

  it('answers 409 when the new slug is taken, changing nothing', async () => {
    const { id, owner } = await team();
    const other = await createWorkspace(owner);
    await expectError(await call(owner, 'PATCH', `/workspaces/${id}`, { name: 'Changed', slug: other.slug }), 409, 'Slug already taken');
    expect((await json(await call(owner, 'GET', `/workspaces/${id}`))).name).not.toBe('Changed');
  });

  it('lets only the owner delete, and deletion removes the memberships', async () => {
    const { id, owner, admin, member } = await team();
    await expectError(await call(admin, 'DELETE', `/workspaces/${id}`), 403, NOT_A_MEMBER);
    await expectError(await call(member, 'DELETE', `/workspaces/${id}`), 403, NOT_A_MEMBER);
    expect((await call(owner, 'DELETE', `/workspaces/${id}`)).status).toBe(204);
    await expectError(await call(owner, 'GET', `/workspaces/${id}`), 403, NOT_A_MEMBER);
    expect((await json(await call(member, 'GET', '/workspaces'))).total).toBe(0);
    const { rows } = await withDatabaseClient((client) =>
      client.query('SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1', [id]),
    );
    expect(rows[0].n).toBe(0);
  });
});

describe('members', () => {
  it('lists the members with email, name and role to any member, and refuses outsiders', async () => {
    const { id, owner, admin, member, outsider } = await team();
    const list = await json(await call(member, 'GET', `/workspaces/${id}/members`));
    expect(list).toMatchObject({ total: 3, limit: 50, offset: 0 });
    expect(list.items.map((m: { user_id: string; email: string; role: string }) => [m.user_id, m.email, m.role])).toEqual([
      [owner.id, owner.email, 'owner'],
      [admin.id, admin.email, 'admin'],
      [member.id, member.email, 'member'],
    ]);
    await expectError(await call(outsider, 'GET', `/workspaces/${id}/members`), 403, NOT_A_MEMBER);
  });

  it('pages through the members like /workspaces: ?limit&offset, oldest first, with the total', async () => {
    const { id, owner, admin, member } = await team();
    const ids = async (query: string) => {
      const page = await json(await call(member, 'GET', `/workspaces/${id}/members?${query}`));
      return { ...page, items: page.items.map((m: { user_id: string }) => m.user_id) };
    };
    expect(await ids('limit=2')).toEqual({ items: [owner.id, admin.id], total: 3, limit: 2, offset: 0 });
    expect(await ids('limit=2&offset=2')).toEqual({ items: [member.id], total: 3, limit: 2, offset: 2 });
    expect(await ids('offset=3')).toEqual({ items: [], total: 3, limit: 50, offset: 3 });
  });

  it.each([
    ['limit=0', 'limit must be an integer from 1 to 200'],
    ['limit=201', 'limit must be an integer from 1 to 200'],
    ['offset=-1', 'offset must be an integer from 0 to 1000000'],
    ['offset=1e20', 'offset must be an integer from 0 to 1000000'],
  ])('answers a members list with %s 400, as /workspaces does', async (query, message) => {
    const { id, member } = await team();
    await expectError(await call(member, 'GET', `/workspaces/${id}/members?${query}`), 400, [message]);
    await expectError(await call(member, 'GET', `/workspaces?${query}`), 400, [message]);
  });

  it('lets an owner promote a member to admin, and an admin demote another admin', async () => {
    const { id, owner, admin, member } = await team();
    const promoted = await call(owner, 'PATCH', `/workspaces/${id}/members/${member.id}`, { role: 'admin' });
    expect(promoted.status).toBe(200);
    expect(await json(promoted)).toMatchObject({ user_id: member.id, role: 'admin' });
    expect((await call(admin, 'PATCH', `/workspaces/${id}/members/${member.id}`, { role: 'member' })).status).toBe(200);
  });

  it.each([
    ['an admin granting admin', 'admin', 'member', 'admin'],
    ['an admin granting owner', 'admin', 'member', 'owner'],
    ['an admin demoting an owner', 'admin', 'owner', 'member'],
    ['a member promoting a member', 'member', 'admin', 'member'],
  ] as const)('refuses %s', async (_name, actor, target, role) => {
    const crew = await team();
    const extra = await person();
    await join(crew.owner, crew.id, extra, 'member');
    const targetPerson = target === 'owner' ? crew.owner : target === 'admin' ? crew.admin : extra;
    await expectError(await call(crew[actor], 'PATCH', `/workspaces/${crew.id}/members/${targetPerson.id}`, { role }), 403, NOT_A_MEMBER);
  });

  it.each([['owner'], ['admin'], ['member']] as const)('refuses a %s changing their own role', async (role) => {
    const crew = await team();
    const me = crew[role];
    await expectError(
      await call(me, 'PATCH', `/workspaces/${crew.id}/members/${me.id}`, { role: 'owner' }),
      403,
      role === 'member' ? NOT_A_MEMBER : 'You cannot change your own role',
    );
  });

  it('answers 404 for a member id that is not in this workspace', async () => {
    const { id, owner, outsider } = await team();
    await expectError(await call(owner, 'PATCH', `/workspaces/${id}/members/${outsider.id}`, { role: 'member' }), 404, 'Member not found');
    await expectError(await call(owner, 'DELETE', `/workspaces/${id}/members/${randomUUID()}`), 404, 'Member not found');
  });

  it('lets an admin remove a member, but not an owner', async () => {
    const { id, owner, admin, member } = await team();
    expect((await call(admin, 'DELETE', `/workspaces/${id}/members/${member.id}`)).status).toBe(204);
    await expectError(await call(member, 'GET', `/workspaces/${id}`), 403, NOT_A_MEMBER);
    await expectError(await call(admin, 'DELETE', `/workspaces/${id}/members/${owner.id}`), 403, NOT_A_MEMBER);
  });

  it('refuses a member removing someone else', async () => {
    const { id, admin, member } = await team();
    await expectError(await call(member, 'DELETE', `/workspaces/${id}/members/${admin.id}`), 403, NOT_A_MEMBER);
  });

  it('lets any member leave', async () => {
    const { id, admin, member } = await team();
    expect((await call(member, 'DELETE', `/workspaces/${id}/members/${member.id}`)).status).toBe(204);
    expect((await call(admin, 'DELETE', `/workspaces/${id}/members/${admin.id}`)).status).toBe(204);
  });

  it('keeps at least one owner: the last owner cannot leave (409), one of two can', async () => {
    const { id, owner } = await team();
    await expectError(
      await call(owner, 'DELETE', `/workspaces/${id}/members/${owner.id}`),
      409,
      'A workspace must keep at least one owner',
    );
    const second = await person();
    await join(owner, id, second, 'owner');
    expect((await call(owner, 'DELETE', `/workspaces/${id}/members/${owner.id}`)).status).toBe(204);
    expect(await ownerCount(id)).toBe(1);
  });

  it('lets an owner demote or remove another owner', async () => {
    const { id, owner } = await team();
    const [second, third] = [await person(), await person()];
    await join(owner, id, second, 'owner');
    await join(owner, id, third, 'owner');
    expect((await call(owner, 'PATCH', `/workspaces/${id}/members/${second.id}`, { role: 'member' })).status).toBe(200);
    expect((await call(owner, 'DELETE', `/workspaces/${id}/members/${third.id}`)).status).toBe(204);
    expect(await ownerCount(id)).toBe(1);
  });
});

describe('disabled users', () => {
  const disable = (who: Person) => platform.running.app.get(SessionsService).disableUser(who.id);
  const rolesIn = async (id: string, by: Person) =>
    Object.fromEntries(
      (await json<{ items: { user_id: string; role: string }[] }>(await call(by, 'GET', `/workspaces/${id}/members`))).items.map((m) => [
        m.user_id,
        m.role,
      ]),
    );

  it('does not count a disabled owner: the only owner who can act cannot leave, but can remove the disabled one', async () => {
    const { id, owner } = await team();
    const second = await person();
    await join(owner, id, second, 'owner');
    expect(await disable(second)).toBe(true);
    await expectError(
      await call(owner, 'DELETE', `/workspaces/${id}/members/${owner.id}`),
      409,
      'A workspace must keep at least one owner',
    );
    expect(await ownerCount(id)).toBe(2);
    expect((await call(owner, 'DELETE', `/workspaces/${id}/members/${second.id}`)).status).toBe(204);
    expect(await ownerCount(id)).toBe(1);
  });

  it('refuses to make a disabled member an owner (409), leaving the role as it was', async () => {
    const { id, owner, member } = await team();
    await disable(member);
    await expectError(
      await call(owner, 'PATCH', `/workspaces/${id}/members/${member.id}`, { role: 'owner' }),
      409,
      'A disabled user cannot be made owner',
    );
    expect((await rolesIn(id, owner))[member.id]).toBe('member');
  });

  it('lets nobody disabled accept an invitation: their token is revoked and their login refused', async () => {
    const { id, owner } = await team();
    const invitee = await person();
    const { id: invitationId } = await json(await invite(platform.url, owner, id, invitee.email));
    await disable(invitee);
    await expectError(await call(invitee, 'POST', `/invitations/${invitationId}/accept`), 401, 'Token revoked');
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body: { email: invitee.email, password: PASSWORD } }),
      401,
      'Invalid email or password',
    );
    expect(await rolesIn(id, owner)).not.toHaveProperty(invitee.id);
  });
});

describe('ids from another workspace', () => {
  it('does not let an admin of workspace B act on workspace A', async () => {
    const a = await team();
    const b = await team();
    await expectError(await call(b.admin, 'PATCH', `/workspaces/${a.id}`, { name: 'x' }), 403, NOT_A_MEMBER);
    await expectError(await call(b.admin, 'DELETE', `/workspaces/${a.id}/members/${a.member.id}`), 403, NOT_A_MEMBER);
    await expectError(await invite(platform.url, b.owner, a.id, b.member.email, 'owner'), 403, NOT_A_MEMBER);
  });

  it("answers 404 when workspace A's admin names a member of workspace B", async () => {
    const a = await team();
    const b = await team();
    await expectError(
      await call(a.owner, 'PATCH', `/workspaces/${a.id}/members/${b.member.id}`, { role: 'admin' }),
      404,
      'Member not found',
    );
    await expectError(await call(a.admin, 'DELETE', `/workspaces/${a.id}/members/${b.member.id}`), 404, 'Member not found');
    expect((await json(await call(b.member, 'GET', `/workspaces/${b.id}`))).role).toBe('member');
  });
});

describe('concurrency', () => {
  it('never leaves a workspace ownerless when its two owners demote each other at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const { id, owner } = await team();
      const second = await person();
      await join(owner, id, second, 'owner');
      const [first, other] = await Promise.all([
        call(owner, 'PATCH', `/workspaces/${id}/members/${second.id}`, { role: 'member' }),
        call(second, 'PATCH', `/workspaces/${id}/members/${owner.id}`, { role: 'member' }),
      ]);
      expect([first.status, other.status].sort()).toEqual([200, 403]);
      expect(await ownerCount(id)).toBe(1);
    }
  });

  it('never leaves a workspace ownerless when its two owners leave at the same moment', async () => {
    for (let round = 0; round < 5; round++) {
      const { id, owner } = await team();
      const second = await person();
      await join(owner, id, second, 'owner');
      const responses = await Promise.all([
        call(owner, 'DELETE', `/workspaces/${id}/members/${owner.id}`),
        call(second, 'DELETE', `/workspaces/${id}/members/${second.id}`),
      ]);
      expect(responses.map((r) => r.status).sort()).toEqual([204, 409]);
      expect(await ownerCount(id)).toBe(1);
    }
  });
});

describe('audiences', () => {
  it.each([['web'], ['api']])('serves a token narrowed to %s', async (audience) => {
    const who = await person(audience);
    expect((await call(who, 'POST', '/workspaces', { name: uniqueName() })).status).toBe(201);
    expect((await call(who, 'GET', '/workspaces')).status).toBe(200);
  });

  it.each([['mcp'], ['a2a'], [['mcp', 'a2a']]])(
    'refuses a token narrowed to %j with 403 Invalid audience, naming web and api',
    async (audience) => {
      const who = await person(audience);
      const response = await call(who, 'GET', '/workspaces');
      const message = 'Invalid audience: this route accepts web, api';
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer realm="gatehouse", error="insufficient_scope", error_description="${message}"`,
      );
      await expectError(response, 403, message);
      await expectError(await call(who, 'POST', '/workspaces', { name: 'x' }), 403, message);
    },
  );
});

describe('deleting a user', () => {
  it("removes the user's memberships with it", async () => {
    const { id, owner } = await team();
    const leaving = await registerUser(platform.url);
    await join(owner, id, { ...leaving, token: (await login(platform.url, leaving.email)).access_token }, 'member');
    await withDatabaseClient(async (client) => {
      await client.query('DELETE FROM users WHERE id = $1', [leaving.id]);
      const { rows } = await client.query('SELECT count(*)::int AS n FROM workspace_members WHERE user_id = $1', [leaving.id]);
      expect(rows[0].n).toBe(0);
    });
    const { items } = await json(await call(owner, 'GET', `/workspaces/${id}/members`));
    expect(items.map((m: { user_id: string }) => m.user_id)).not.toContain(leaving.id);
  });
});
