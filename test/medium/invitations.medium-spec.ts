import { randomBytes, randomUUID } from 'node:crypto';
import { EmailInvalid, type User, UsersRepository, UsersService } from '@app/users';
import {
  AlreadyMember,
  DisabledUserRefused,
  InvitationNotFound,
  InvitationPending,
  InvitationsService,
  WorkspaceAccessDenied,
  WorkspacesService,
} from '@app/workspaces';
import { expectRefusal } from '../support/refusals.js';
import { useTestServices } from '../support/services.js';
import { withDatabaseClient } from '../support/test-database.js';

// The invitation rules through InvitationsService, on the real PostgreSQL, without HTTP.
const services = useTestServices({ INVITATION_EXPIRATION: '3600' });
const invitations = () => services.get(InvitationsService);
const workspaces = () => services.get(WorkspacesService);

function someone(): Promise<User> {
  return services.get(UsersService).create({ email: `invitee-${randomUUID()}@example.com`, password: 'correct horse battery' });
}

/** A workspace with an owner and an admin. */
async function team() {
  const [owner, admin] = [await someone(), await someone()];
  const { id } = await workspaces().create(owner.id, { name: `Team ${randomUUID().slice(0, 8)}` });
  const { id: invitationId, token } = await invitations().invite(owner.id, id, { email: admin.email, role: 'admin' });
  await invitations().accept(admin.id, invitationId, token);
  return { id, owner, admin };
}

async function sql(text: string, values: unknown[]): Promise<void> {
  await withDatabaseClient((client) => client.query(text, values));
}

describe('inviting', () => {
  it('stores the email normalised and expires the invitation after INVITATION_EXPIRATION', async () => {
    const { id, admin } = await team();
    const invitation = await invitations().invite(admin.id, id, { email: '  Someone.New@Example.COM ' });
    expect(invitation).toMatchObject({ email: 'someone.new@example.com', role: 'member', invited_by: admin.id });
    expect(Date.parse(invitation.expires_at) - Date.parse(invitation.created_at)).toBe(3600 * 1000);
  });

  it('refuses an invalid email', async () => {
    const { id, owner } = await team();
    await expectRefusal(invitations().invite(owner.id, id, { email: 'not an email' }), EmailInvalid, 'invalid');
  });

  it('lets only an owner invite as admin or owner, and no member invite at all', async () => {
    const { id, owner, admin } = await team();
    const member = await someone();
    const { id: invitationId, token } = await invitations().invite(admin.id, id, { email: member.email });
    await invitations().accept(member.id, invitationId, token);
    for (const role of ['admin', 'owner'] as const) {
      await expectRefusal(
        invitations().invite(admin.id, id, { email: `x-${randomUUID()}@example.com`, role }),
        WorkspaceAccessDenied,
        'forbidden',
      );
      expect(await invitations().invite(owner.id, id, { email: `x-${randomUUID()}@example.com`, role })).toMatchObject({ role });
    }
    await expectRefusal(
      invitations().invite(member.id, id, { email: `x-${randomUUID()}@example.com` }),
      WorkspaceAccessDenied,
      'forbidden',
    );
  });

  it('keeps one open invitation per email, and lets a new one replace an expired one', async () => {
    const { id, owner } = await team();
    const first = await invitations().invite(owner.id, id, { email: 'twice@example.com' });
    await expectRefusal(invitations().invite(owner.id, id, { email: 'TWICE@example.com' }), InvitationPending, 'conflict');
    await sql("UPDATE workspace_invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [first.id]);
    const second = await invitations().invite(owner.id, id, { email: 'twice@example.com' });
    expect(second.id).not.toBe(first.id);
    expect((await invitations().pending(owner.id, id)).map((invitation) => invitation.id)).toEqual([second.id]);
  });
});

describe('answering', () => {
  it('refuses a disabled user', async () => {
    const { id, owner } = await team();
    const invitee = await someone();
    const { id: invitationId, token } = await invitations().invite(owner.id, id, { email: invitee.email });
    await services.get(UsersRepository).setDisabled(invitee.id, true);
    await expectRefusal(invitations().accept(invitee.id, invitationId, token), DisabledUserRefused, 'forbidden');
    expect((await workspaces().members(owner.id, id, 200, 0)).items.map((member) => member.user_id)).not.toContain(invitee.id);
  });

  it('refuses a member, leaving the invitation open', async () => {
    const { id, owner, admin } = await team();
    const { id: invitationId, token } = await invitations().invite(owner.id, id, { email: admin.email });
    await expectRefusal(invitations().accept(admin.id, invitationId, token), AlreadyMember, 'conflict');
    expect((await invitations().mine(admin.id)).map((invitation) => invitation.id)).toEqual([invitationId]);
  });

  it('treats another person’s invitation as one that does not exist', async () => {
    const { id, owner } = await team();
    const [invitee, other] = [await someone(), await someone()];
    const { id: invitationId, token } = await invitations().invite(owner.id, id, { email: invitee.email });
    await expectRefusal(invitations().accept(other.id, invitationId, token), InvitationNotFound, 'not_found');
    await expectRefusal(invitations().decline(other.id, invitationId, token), InvitationNotFound, 'not_found');
    await expectRefusal(invitations().accept(other.id, randomUUID(), token), InvitationNotFound, 'not_found');
    expect(await invitations().accept(invitee.id, invitationId, token)).toMatchObject({
      workspace_id: id,
      user_id: invitee.id,
      role: 'member',
    });
  });

  it('refuses the invited email without the invitation’s secret: registering the address is not enough', async () => {
    const { id, owner } = await team();
    const invitee = await someone();
    const { id: invitationId, token } = await invitations().invite(owner.id, id, { email: invitee.email });
    const guessed = randomBytes(32).toString('base64url');
    await expectRefusal(invitations().accept(invitee.id, invitationId, guessed), InvitationNotFound, 'not_found');
    await expectRefusal(invitations().decline(invitee.id, invitationId, guessed), InvitationNotFound, 'not_found');
    expect(await invitations().accept(invitee.id, invitationId, token)).toMatchObject({ workspace_id: id, user_id: invitee.id });
  });

  it('lets exactly one of two accepts of the same invitation at the same moment succeed', async () => {
    for (let round = 0; round < 5; round++) {
      const { id, owner } = await team();
      const invitee = await someone();
      const { id: invitationId, token } = await invitations().invite(owner.id, id, { email: invitee.email });
      const outcomes = await Promise.allSettled([
        invitations().accept(invitee.id, invitationId, token),
        invitations().accept(invitee.id, invitationId, token),
      ]);
      expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
      const refusal = outcomes.find((outcome) => outcome.status === 'rejected')!.reason as unknown;
      expect(refusal).toBeInstanceOf(InvitationNotFound);
      expect((await workspaces().members(owner.id, id, 200, 0)).items.filter((member) => member.user_id === invitee.id)).toHaveLength(1);
    }
  });
});
