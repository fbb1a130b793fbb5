import { randomUUID } from 'node:crypto';
import { type User, UsersRepository, UsersService } from '@app/users';
import {
  DisabledOwnerRefused,
  InvitationsService,
  LastOwnerRequired,
  MemberNotFound,
  OwnRoleChangeRefused,
  type Role,
  SlugTaken,
  WorkspaceAccessDenied,
  WorkspacesService,
} from '@app/workspaces';
import { joinByInvitation } from '../support/invitations.js';
import { expectRefusal } from '../support/refusals.js';
import { useTestServices } from '../support/services.js';

// The workspace rules through WorkspacesService, on the real PostgreSQL, without HTTP.
const services = useTestServices();
const workspaces = () => services.get(WorkspacesService);
const join = (byUserId: string, workspaceId: string, who: User, role?: Role) =>
  joinByInvitation(services.get(InvitationsService), byUserId, workspaceId, who, role);
const disable = (user: User) => services.get(UsersRepository).setDisabled(user.id, true);

const uniqueName = (label = 'Team') => `${label} ${randomUUID().slice(0, 8)}`;

function someone(): Promise<User> {
  return services.get(UsersService).create({ email: `member-${randomUUID()}@example.com`, password: 'correct horse battery' });
}

/** A workspace with an owner, an admin and a member, and someone outside it. */
async function team() {
  const [owner, admin, member, outsider] = await Promise.all([someone(), someone(), someone(), someone()]);
  const { id } = await workspaces().create(owner.id, { name: uniqueName() });
  await join(owner.id, id, admin, 'admin');
  await join(owner.id, id, member);
  return { id, owner, admin, member, outsider };
}

async function rolesIn(workspaceId: string, asUserId: string): Promise<Record<string, Role>> {
  const members = await workspaces().members(asUserId, workspaceId, 200, 0);
  return Object.fromEntries(members.items.map((member) => [member.user_id, member.role]));
}

function refusalsIn(outcomes: PromiseSettledResult<unknown>[]): unknown[] {
  return outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason] : []));
}

async function owners(workspaceId: string, asUserId: string): Promise<string[]> {
  return Object.entries(await rolesIn(workspaceId, asUserId)).flatMap(([userId, role]) => (role === 'owner' ? [userId] : []));
}

describe('creating a workspace', () => {
  it('makes the creator its owner and only member', async () => {
    const creator = await someone();
    const created = await workspaces().create(creator.id, {
      name: 'Research',
      slug: `research-${randomUUID().slice(0, 8)}`,
      description: 'R&D',
    });
    expect(created).toMatchObject({ name: 'Research', description: 'R&D', settings: {}, role: 'owner' });
    expect(await workspaces().get(creator.id, created.id)).toMatchObject({ id: created.id, role: 'owner' });
    expect(await workspaces().members(creator.id, created.id, 50, 0)).toEqual({
      items: [{ user_id: creator.id, email: creator.email, name: creator.name, role: 'owner', created_at: expect.any(String) }],
      total: 1,
      limit: 50,
      offset: 0,
    });
  });

  it('makes the slug from the name, with a short suffix when that slug is taken', async () => {
    const name = uniqueName('Same');
    const first = await workspaces().create((await someone()).id, { name });
    const second = await workspaces().create((await someone()).id, { name });
    expect(first.slug).toBe(name.toLowerCase().replace(' ', '-'));
    expect(second.slug).toMatch(new RegExp(`^${first.slug}-[0-9a-f]{6}$`));
  });

  it('refuses a slug that is taken', async () => {
    const { slug } = await workspaces().create((await someone()).id, { name: uniqueName() });
    await expectRefusal(workspaces().create((await someone()).id, { name: 'Copy', slug }), SlugTaken, 'conflict');
  });
});

describe('reading and changing a workspace', () => {
  it("lists only the caller's workspaces, with the caller's role", async () => {
    const { id, admin, outsider } = await team();
    const own = await workspaces().create(admin.id, { name: uniqueName() });
    const list = await workspaces().list(admin.id, 50, 0);
    expect(list).toMatchObject({ total: 2, limit: 50, offset: 0 });
    expect(list.items.map((workspace) => [workspace.id, workspace.role])).toEqual([
      [id, 'admin'],
      [own.id, 'owner'],
    ]);
    expect(await workspaces().list(outsider.id, 50, 0)).toEqual({ items: [], total: 0, limit: 50, offset: 0 });
  });

  it('lets admins and owners update, and refuses a member', async () => {
    const { id, owner, admin, member } = await team();
    expect(await workspaces().update(admin.id, id, { name: 'Renamed', settings: { theme: 'dark' } })).toMatchObject({
      name: 'Renamed',
      settings: { theme: 'dark' },
      role: 'admin',
    });
    expect(await workspaces().update(owner.id, id, { description: null })).toMatchObject({ description: null, role: 'owner' });
    await expectRefusal(workspaces().update(member.id, id, { name: 'x' }), WorkspaceAccessDenied, 'forbidden');
  });

  it('answers the whole workspace after a change, leaving the fields not given (or undefined) as they were', async () => {
    const { id, owner } = await team();
    await workspaces().update(owner.id, id, { settings: { theme: 'dark' } });
    const before = await workspaces().get(owner.id, id);
    const updated = await workspaces().update(owner.id, id, {
      name: undefined,
      slug: undefined,
      settings: undefined,
      description: 'only this',
    });
    expect(updated).toEqual({ ...before, description: 'only this', updated_at: expect.any(String) });
    expect(await workspaces().get(owner.id, id)).toEqual(updated);
  });

  it('refuses renaming to a taken slug, changing nothing', async () => {
    const { id, owner } = await team();
    const other = await workspaces().create(owner.id, { name: uniqueName() });
    await expectRefusal(workspaces().update(owner.id, id, { name: 'Changed', slug: other.slug }), SlugTaken, 'conflict');
    expect((await workspaces().get(owner.id, id)).name).not.toBe('Changed');
  });

  it('lets only an owner delete, and deleting ends every membership', async () => {
    const { id, owner, admin, member } = await team();
    await expectRefusal(workspaces().delete(admin.id, id), WorkspaceAccessDenied, 'forbidden');
    await expectRefusal(workspaces().delete(member.id, id), WorkspaceAccessDenied, 'forbidden');
    await workspaces().delete(owner.id, id);
    await expectRefusal(workspaces().get(owner.id, id), WorkspaceAccessDenied, 'forbidden');
    expect((await workspaces().list(member.id, 50, 0)).total).toBe(0);
  });
});

describe('listing members', () => {
  it('pages through the members oldest first, with how many there are in all', async () => {
    const { id, owner, admin, member } = await team();
    const first = await workspaces().members(member.id, id, 2, 0);
    expect(first).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(first.items.map((item) => item.user_id)).toEqual([owner.id, admin.id]);
    const second = await workspaces().members(member.id, id, 2, 2);
    expect(second).toMatchObject({ total: 3, limit: 2, offset: 2 });
    expect(second.items.map((item) => item.user_id)).toEqual([member.id]);
    expect((await workspaces().members(member.id, id, 2, 4)).items).toEqual([]);
  });
});

describe('access', () => {
  it('refuses a non-member and a missing workspace with the same error, whatever the action', async () => {
    const { id, member, outsider } = await team();
    const missing = randomUUID();
    for (const workspaceId of [id, missing]) {
      const actions = [
        () => workspaces().get(outsider.id, workspaceId),
        () => workspaces().members(outsider.id, workspaceId, 50, 0),
        () => workspaces().update(outsider.id, workspaceId, { name: 'x' }),
        () => workspaces().delete(outsider.id, workspaceId),
        () => services.get(InvitationsService).invite(outsider.id, workspaceId, { email: outsider.email }),
        () => workspaces().changeRole(outsider.id, workspaceId, member.id, 'admin'),
        () => workspaces().removeMember(outsider.id, workspaceId, member.id),
      ];
      for (const action of actions) {
        const refusal = await expectRefusal(action(), WorkspaceAccessDenied, 'forbidden');
        expect(refusal.message).toBe('Not a member of this workspace or insufficient role');
      }
    }
  });
});

describe('changing roles', () => {
  it('lets an owner promote a member to admin, and an admin demote another admin', async () => {
    const { id, owner, admin, member } = await team();
    expect(await workspaces().changeRole(owner.id, id, member.id, 'admin')).toMatchObject({ user_id: member.id, role: 'admin' });
    expect(await workspaces().changeRole(admin.id, id, member.id, 'member')).toMatchObject({ user_id: member.id, role: 'member' });
  });

  it('lets an owner make another owner, and demote one', async () => {
    const { id, owner, admin } = await team();
    await workspaces().changeRole(owner.id, id, admin.id, 'owner');
    expect((await owners(id, owner.id)).sort()).toEqual([owner.id, admin.id].sort());
    await workspaces().changeRole(owner.id, id, admin.id, 'member');
    expect(await owners(id, owner.id)).toEqual([owner.id]);
  });

  it.each([
    ['an admin granting admin', 'admin', 'member', 'admin'],
    ['an admin granting owner', 'admin', 'member', 'owner'],
    ['an admin demoting an owner', 'admin', 'owner', 'member'],
    ['a member promoting a member', 'member', 'extra', 'admin'],
    ['a member demoting an admin', 'member', 'admin', 'member'],
  ] as const)('refuses %s', async (_name, actor, target, role) => {
    const crew = await team();
    const extra = await someone();
    await join(crew.owner.id, crew.id, extra);
    const targetId = target === 'extra' ? extra.id : crew[target].id;
    await expectRefusal(workspaces().changeRole(crew[actor].id, crew.id, targetId, role), WorkspaceAccessDenied, 'forbidden');
    expect((await rolesIn(crew.id, crew.owner.id))[targetId]).toBe(target === 'extra' ? 'member' : target);
  });

  it.each([['owner'], ['admin']] as const)('refuses an %s changing their own role', async (role) => {
    const crew = await team();
    await expectRefusal(workspaces().changeRole(crew[role].id, crew.id, crew[role].id, 'member'), OwnRoleChangeRefused, 'forbidden');
  });

  it('refuses a member changing their own role as for any change a member may not make', async () => {
    const { id, member } = await team();
    await expectRefusal(workspaces().changeRole(member.id, id, member.id, 'owner'), WorkspaceAccessDenied, 'forbidden');
  });

  it('answers Member not found for a user outside this workspace', async () => {
    const a = await team();
    const b = await team();
    await expectRefusal(workspaces().changeRole(a.owner.id, a.id, b.member.id, 'admin'), MemberNotFound, 'not_found');
    await expectRefusal(workspaces().changeRole(a.owner.id, a.id, randomUUID(), 'admin'), MemberNotFound, 'not_found');
    expect((await workspaces().get(b.member.id, b.id)).role).toBe('member');
  });
});

describe('removing members', () => {
  it('lets an admin remove a member, but not an owner', async () => {
    const { id, owner, admin, member } = await team();
    await workspaces().removeMember(admin.id, id, member.id);
    await expectRefusal(workspaces().get(member.id, id), WorkspaceAccessDenied, 'forbidden');
    await expectRefusal(workspaces().removeMember(admin.id, id, owner.id), WorkspaceAccessDenied, 'forbidden');
  });

  it('refuses a member removing someone else', async () => {
    const { id, admin, member } = await team();
    await expectRefusal(workspaces().removeMember(member.id, id, admin.id), WorkspaceAccessDenied, 'forbidden');
  });

  it('lets any member leave', async () => {
    const { id, owner, admin, member } = await team();
    await workspaces().removeMember(member.id, id, member.id);
    await workspaces().removeMember(admin.id, id, admin.id);
    expect(Object.keys(await rolesIn(id, owner.id))).toEqual([owner.id]);
  });

  it('refuses a member id that is not in this workspace', async () => {
    const { id, owner, outsider } = await team();
    await expectRefusal(workspaces().removeMember(owner.id, id, outsider.id), MemberNotFound, 'not_found');
  });
});

describe('a workspace always keeps an owner', () => {
  it('refuses to let the last owner leave', async () => {
    const { id, owner } = await team();
    await expectRefusal(workspaces().removeMember(owner.id, id, owner.id), LastOwnerRequired, 'conflict');
    expect(await owners(id, owner.id)).toEqual([owner.id]);
  });

  it('lets one of two owners leave, then refuses the other', async () => {
    const { id, owner } = await team();
    const second = await someone();
    await join(owner.id, id, second, 'owner');
    await workspaces().removeMember(owner.id, id, owner.id);
    await expectRefusal(workspaces().removeMember(second.id, id, second.id), LastOwnerRequired, 'conflict');
    expect(await owners(id, second.id)).toEqual([second.id]);
  });

  it('lets exactly one of two owners demoting each other at the same moment succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const { id, owner } = await team();
      const second = await someone();
      await join(owner.id, id, second, 'owner');
      const outcomes = await Promise.allSettled([
        workspaces().changeRole(owner.id, id, second.id, 'member'),
        workspaces().changeRole(second.id, id, owner.id, 'member'),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      // The loser's change runs after the winner's: it is no longer an owner, so it may not demote anyone.
      expect(refusalsIn(outcomes)).toEqual([expect.any(WorkspaceAccessDenied)]);
      expect(await owners(id, owner.id)).toHaveLength(1);
    }
  });

  it('lets exactly one of two owners leaving at the same moment go, and keeps the other', async () => {
    for (let round = 0; round < 5; round++) {
      const { id, owner, member } = await team();
      const second = await someone();
      await join(owner.id, id, second, 'owner');
      const outcomes = await Promise.allSettled([
        workspaces().removeMember(owner.id, id, owner.id),
        workspaces().removeMember(second.id, id, second.id),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      expect(refusalsIn(outcomes)).toEqual([expect.any(LastOwnerRequired)]);
      expect(await owners(id, member.id)).toHaveLength(1);
    }
  });
});

describe('disabled users and the owner role', () => {
  it('does not count a disabled owner: the only other owner cannot leave, and can remove the disabled one', async () => {
    const { id, owner } = await team();
    const second = await someone();
    await join(owner.id, id, second, 'owner');
    await disable(second);
    await expectRefusal(workspaces().removeMember(owner.id, id, owner.id), LastOwnerRequired, 'conflict');
    await workspaces().removeMember(owner.id, id, second.id);
    expect(await owners(id, owner.id)).toEqual([owner.id]);
  });

  it('refuses a change of role that leaves only disabled owners', async () => {
    const { id, owner } = await team();
    const second = await someone();
    await join(owner.id, id, second, 'owner');
    await disable(second);
    // Only the service sees this: a disabled user's tokens are revoked, so it never gets here over HTTP.
    await expectRefusal(workspaces().changeRole(second.id, id, owner.id, 'member'), LastOwnerRequired, 'conflict');
    expect((await owners(id, owner.id)).sort()).toEqual([owner.id, second.id].sort());
  });

  it('still lets one of two owners who can act step down while a third is disabled', async () => {
    const { id, owner } = await team();
    const [second, third] = [await someone(), await someone()];
    await join(owner.id, id, second, 'owner');
    await join(owner.id, id, third, 'owner');
    await disable(third);
    await workspaces().changeRole(owner.id, id, second.id, 'member');
    await expectRefusal(workspaces().removeMember(owner.id, id, owner.id), LastOwnerRequired, 'conflict');
  });

  it('refuses to make a disabled member an owner', async () => {
    const { id, owner, member } = await team();
    await disable(member);
    await expectRefusal(workspaces().changeRole(owner.id, id, member.id, 'owner'), DisabledOwnerRefused, 'conflict');
    expect((await rolesIn(id, owner.id))[member.id]).toBe('member');
  });
});
