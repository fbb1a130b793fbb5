import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { WorkspacesConfig } from '@app/config';
import { UsersService, validEmail } from '@app/users';
import { type Role, ROLE_RANK } from './roles.js';
import { changeLocked, requireOwner, requireRole } from './workspace-access.js';
import { AlreadyMember, DisabledUserRefused, InvitationNotFound, InvitationPending, WorkspaceAccessDenied } from './workspace-errors.js';
import { type Invitation, WorkspacesRepository } from './workspaces.repository.js';

/** Whom to invite, and as what (`member` by default). */
export interface NewInvitation {
  email: string;
  role?: Role;
}

/**
 * One shape for the inviting admin and for the invitee, and for a registered email as for one
 * that is not: nothing in it says whether the email belongs to a user.
 */
export interface InvitationView {
  id: string;
  workspace: { id: string; name: string; slug: string };
  email: string;
  role: Role;
  /** The inviting user's id; null once that user is deleted. */
  invited_by: string | null;
  created_at: string;
  expires_at: string;
}

/** A new invitation, with its secret: given once, to the inviter, to pass on to the invitee. */
export interface CreatedInvitationView extends InvitationView {
  token: string;
}

/** The membership an accepted invitation made. */
export interface MembershipView {
  workspace_id: string;
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: string;
}

/**
 * Invitations: the only way into a workspace. An admin invites an email (only an owner invites
 * as admin or owner) and is given the invitation's secret, once, to pass on (a link the app
 * sends); the user with that email accepts or declines with it. Gatehouse does not verify that
 * a user owns the email they registered with, so the email alone never lets anyone join: whoever
 * registers an invited address first sees the invitation, but cannot answer it without the
 * secret. Only its SHA-256 is stored. An invitation expires after
 * INVITATION_EXPIRATION, can be revoked, and is answered once. The answers never depend on whether
 * the email is registered, and someone else's invitation is as unknown as a missing one.
 */
@Injectable()
export class InvitationsService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly users: UsersService,
    private readonly config: WorkspacesConfig,
  ) {}

  async invite(userId: string, workspaceId: string, input: NewInvitation): Promise<CreatedInvitationView> {
    const email = validEmail(input.email);
    const role = input.role ?? 'member';
    const token = randomBytes(32).toString('base64url');
    const invitation = await changeLocked(this.workspaces, workspaceId, async (locked) => {
      const actorRole = await requireRole(locked, userId, 'admin');
      if (role !== 'member') requireOwner(actorRole);
      const created = await locked.invite({
        email,
        tokenHash: hashInvitationToken(token),
        role,
        invitedBy: userId,
        expiresInSeconds: this.config.invitationExpiration,
      });
      if (created === null) throw new InvitationPending();
      return created;
    });
    return { ...invitationView(invitation), token };
  }

  /** The workspace's open invitations, for its admins. */
  async pending(userId: string, workspaceId: string): Promise<InvitationView[]> {
    const role = await this.workspaces.roleOf(workspaceId, userId);
    if (role === null || ROLE_RANK[role] < ROLE_RANK.admin) throw new WorkspaceAccessDenied();
    return (await this.workspaces.listOpenInvitations(workspaceId)).map(invitationView);
  }

  async revoke(userId: string, workspaceId: string, invitationId: string): Promise<void> {
    await changeLocked(this.workspaces, workspaceId, async (locked) => {
      await requireRole(locked, userId, 'admin');
      if (!(await locked.closeInvitation(invitationId, 'revoked'))) throw new InvitationNotFound();
    });
  }

  /** The open invitations addressed to the user's email. */
  async mine(userId: string): Promise<InvitationView[]> {
    const user = await this.users.findById(userId);
    if (user === null) return [];
    return (await this.workspaces.listOpenInvitationsTo(user.email)).map(invitationView);
  }

  /** Joins the workspace with the invitation's role, given its secret; the invitation is then used up. */
  async accept(userId: string, invitationId: string, token: string): Promise<MembershipView> {
    const user = await this.users.findById(userId);
    if (user === null) throw new InvitationNotFound();
    // A disabled user's sessions are revoked with it, so this is a belt: nobody joins while disabled.
    if (user.disabled) throw new DisabledUserRefused();
    const invitation = await this.workspaces.findOpenInvitation(invitationId, user.email, hashInvitationToken(token));
    if (invitation === null) throw new InvitationNotFound();
    const membership = await changeLocked(
      this.workspaces,
      invitation.workspace.id,
      async (locked) => {
        // Closed first, in one statement: of two accepts at once, one finds it still open.
        if (!(await locked.closeInvitation(invitation.id, 'accepted', user.email))) throw new InvitationNotFound();
        // Refusing rolls the closing back: the invitation stays open.
        if ((await locked.roleOf(user.id)) !== null) throw new AlreadyMember();
        return locked.addMember(user.id, invitation.role);
      },
      () => new InvitationNotFound(),
    );
    return {
      workspace_id: invitation.workspace.id,
      user_id: user.id,
      email: user.email,
      name: user.name,
      role: membership.role,
      created_at: membership.createdAt.toISOString(),
    };
  }

  async decline(userId: string, invitationId: string, token: string): Promise<void> {
    const user = await this.users.findById(userId);
    if (user === null || !(await this.workspaces.declineInvitation(invitationId, user.email, hashInvitationToken(token)))) {
      throw new InvitationNotFound();
    }
  }
}

function hashInvitationToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function invitationView(invitation: Invitation): InvitationView {
  return {
    id: invitation.id,
    workspace: { ...invitation.workspace },
    email: invitation.email,
    role: invitation.role,
    invited_by: invitation.invitedBy,
    created_at: invitation.createdAt.toISOString(),
    expires_at: invitation.expiresAt.toISOString(),
  };
}
