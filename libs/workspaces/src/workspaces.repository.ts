import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In } from 'typeorm';
import type { Role } from './roles.js';
import { Workspace, WorkspaceInvitation, WorkspaceMember } from './workspace.entities.js';

const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

/** The slug is taken by another workspace. */
export class DuplicateSlugError extends Error {}

/** A membership names a user that does not exist (deleted since it was looked up). */
export class UnknownUserError extends Error {}

export interface WorkspaceWithRole {
  workspace: Workspace;
  role: Role;
}

/** A row of `workspace_members`; who the user is, is for libs/users to say. */
export interface Membership {
  userId: string;
  role: Role;
  createdAt: Date;
}

export type WorkspaceChanges = Partial<Pick<Workspace, 'name' | 'slug' | 'description' | 'settings'>>;

/** An invitation with the workspace it is to (what the invitee needs to know what they would join). */
export interface Invitation {
  id: string;
  workspace: Pick<Workspace, 'id' | 'name' | 'slug'>;
  email: string;
  role: Role;
  invitedBy: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export interface NewInvitationRow {
  /** Already normalised. */
  email: string;
  /** SHA-256 of the invitation's secret. */
  tokenHash: Buffer;
  role: Role;
  invitedBy: string;
  expiresInSeconds: number;
}

/**
 * One workspace, locked (`SELECT … FOR UPDATE`) for the length of a transaction: every change
 * to a workspace, its members or its invitations goes through one, so concurrent changes are
 * applied one after another and each sees the roles the previous one left.
 */
export interface LockedWorkspace {
  readonly workspace: Workspace;
  /** The transaction the lock is held in, for another domain's service to read its own table on the same connection. */
  readonly manager: EntityManager;
  roleOf(userId: string): Promise<Role | null>;
  ownerIds(): Promise<string[]>;
  addMember(userId: string, role: Role): Promise<Membership>;
  setRole(userId: string, role: Role): Promise<void>;
  removeMember(userId: string): Promise<void>;
  update(changes: WorkspaceChanges): Promise<Workspace>;
  delete(): Promise<void>;
  /**
   * Invites an email (expiring `expiresInSeconds` from now, by the database's clock), or null when
   * the email already has an open invitation here. An expired one it had is marked `expired` first.
   */
  invite(fields: NewInvitationRow): Promise<Invitation | null>;
  /**
   * Closes this workspace's open invitation `id` (addressed to `email`, when given) as accepted or
   * revoked; false when there is no such open invitation.
   */
  closeInvitation(id: string, status: 'accepted' | 'revoked', email?: string): Promise<boolean>;
}

/**
 * The only place that touches the `workspaces`, `workspace_members` and `workspace_invitations`
 * tables, and it touches no other. An invitation is open while `pending` and not expired.
 */
@Injectable()
export class WorkspacesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async createWithOwner(fields: Pick<Workspace, 'name' | 'slug' | 'description'>, ownerId: string): Promise<Workspace> {
    return this.translateErrors(() =>
      this.dataSource.transaction(async (manager) => {
        const workspace = await manager.save(manager.create(Workspace, { ...fields, settings: {} }));
        await manager.insert(WorkspaceMember, { workspaceId: workspace.id, userId: ownerId, role: 'owner' });
        return workspace;
      }),
    );
  }

  async slugExists(slug: string): Promise<boolean> {
    return this.dataSource.getRepository(Workspace).existsBy({ slug });
  }

  async findWithRole(workspaceId: string, userId: string): Promise<WorkspaceWithRole | null> {
    const workspace = await this.dataSource.getRepository(Workspace).findOneBy({ id: workspaceId });
    if (workspace === null) return null;
    const membership = await this.dataSource.getRepository(WorkspaceMember).findOneBy({ workspaceId, userId });
    return membership === null ? null : { workspace, role: membership.role };
  }

  async roleOf(workspaceId: string, userId: string): Promise<Role | null> {
    return (await this.findMembership(workspaceId, userId))?.role ?? null;
  }

  async findMembership(workspaceId: string, userId: string): Promise<Membership | null> {
    const membership = await this.dataSource.getRepository(WorkspaceMember).findOneBy({ workspaceId, userId });
    return membership === null ? null : toMembership(membership);
  }

  /** The user's workspaces, oldest membership first, and how many there are in all. */
  async listForUser(userId: string, limit: number, offset: number): Promise<{ items: WorkspaceWithRole[]; total: number }> {
    const [memberships, total] = await this.dataSource.getRepository(WorkspaceMember).findAndCount({
      where: { userId },
      order: { createdAt: 'ASC', workspaceId: 'ASC' },
      take: limit,
      skip: offset,
    });
    const ids = memberships.map((membership) => membership.workspaceId);
    const workspaces = ids.length === 0 ? [] : await this.dataSource.getRepository(Workspace).findBy({ id: In(ids) });
    const byId = new Map(workspaces.map((workspace) => [workspace.id, workspace]));
    const items = memberships.flatMap((membership) => {
      const workspace = byId.get(membership.workspaceId);
      return workspace === undefined ? [] : [{ workspace, role: membership.role }];
    });
    return { items, total };
  }

  /** A page of the workspace's memberships, oldest first, and how many there are in all. */
  async listMembers(workspaceId: string, limit: number, offset: number): Promise<{ items: Membership[]; total: number }> {
    const [memberships, total] = await this.dataSource.getRepository(WorkspaceMember).findAndCount({
      where: { workspaceId },
      order: { createdAt: 'ASC', userId: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items: memberships.map(toMembership), total };
  }

  /** The open invitation `id` addressed to `email` (normalised) whose secret hashes to `tokenHash`, or null. */
  async findOpenInvitation(id: string, email: string, tokenHash: Buffer): Promise<Invitation | null> {
    const row = await openInvitations(this.dataSource.manager)
      .andWhere('invitation.id = :id', { id })
      .andWhere('invitation.email = :email', { email })
      .andWhere('invitation.tokenHash = :tokenHash', { tokenHash })
      .getOne();
    return row === null ? null : ((await this.withWorkspaces([row]))[0] ?? null);
  }

  /** The workspace's open invitations, oldest first. */
  async listOpenInvitations(workspaceId: string): Promise<Invitation[]> {
    const rows = await openInvitations(this.dataSource.manager)
      .andWhere('invitation.workspaceId = :workspaceId', { workspaceId })
      .orderBy('invitation.createdAt', 'ASC')
      .addOrderBy('invitation.id', 'ASC')
      .getMany();
    return this.withWorkspaces(rows);
  }

  /** The open invitations addressed to `email` (normalised), oldest first. */
  async listOpenInvitationsTo(email: string): Promise<Invitation[]> {
    const rows = await openInvitations(this.dataSource.manager)
      .andWhere('invitation.email = :email', { email })
      .orderBy('invitation.createdAt', 'ASC')
      .addOrderBy('invitation.id', 'ASC')
      .getMany();
    return this.withWorkspaces(rows);
  }

  /** Marks the open invitation `id` addressed to `email`, with this secret, declined; false when there is none. */
  async declineInvitation(id: string, email: string, tokenHash: Buffer): Promise<boolean> {
    return closeOpenInvitation(this.dataSource.manager, { id, email, tokenHash }, 'declined');
  }

  /**
   * Runs `work` with the workspace locked, in one transaction: all of it is applied, or none.
   * Resolves to null (without running `work`) when the workspace does not exist.
   */
  async withLockedWorkspace<T>(workspaceId: string, work: (locked: LockedWorkspace) => Promise<T>): Promise<T | null> {
    return this.translateErrors(() =>
      this.dataSource.transaction(async (manager) => {
        const workspace = await manager
          .getRepository(Workspace)
          .createQueryBuilder('workspace')
          .setLock('pessimistic_write')
          .where('workspace.id = :workspaceId', { workspaceId })
          .getOne();
        return workspace === null ? null : work(lockedView(manager, workspace));
      }),
    );
  }

  private async withWorkspaces(rows: readonly WorkspaceInvitation[]): Promise<Invitation[]> {
    const ids = [...new Set(rows.map((row) => row.workspaceId))];
    const workspaces = ids.length === 0 ? [] : await this.dataSource.getRepository(Workspace).findBy({ id: In(ids) });
    const byId = new Map(workspaces.map((workspace) => [workspace.id, workspace]));
    return rows.flatMap((row) => {
      const workspace = byId.get(row.workspaceId);
      return workspace === undefined ? [] : [toInvitation(row, workspace)];
    });
  }

  private async translateErrors<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const driverError = (error as { driverError?: { code?: string; constraint?: string } }).driverError;
      if (driverError?.code === UNIQUE_VIOLATION && driverError.constraint === 'workspaces_slug_unique') {
        throw new DuplicateSlugError();
      }
      if (driverError?.code === FOREIGN_KEY_VIOLATION && driverError.constraint === 'workspace_members_user_id_fkey') {
        throw new UnknownUserError();
      }
      throw error;
    }
  }
}

function lockedView(manager: EntityManager, workspace: Workspace): LockedWorkspace {
  const members = manager.getRepository(WorkspaceMember);
  const invitations = manager.getRepository(WorkspaceInvitation);
  const workspaceId = workspace.id;
  return {
    workspace,
    manager,
    roleOf: async (userId) => (await members.findOneBy({ workspaceId, userId }))?.role ?? null,
    ownerIds: async () =>
      (await members.find({ select: { userId: true }, where: { workspaceId, role: 'owner' } })).map((row) => row.userId),
    addMember: async (userId, role) => {
      await members.insert({ workspaceId, userId, role });
      return toMembership(await members.findOneByOrFail({ workspaceId, userId }));
    },
    setRole: async (userId, role) => {
      await members.update({ workspaceId, userId }, { role });
    },
    removeMember: async (userId) => {
      await members.delete({ workspaceId, userId });
    },
    update: async (changes) => {
      // A field that is absent or undefined (as in a request DTO's instance) is left as it is.
      const given = Object.entries(changes).filter(([, value]) => value !== undefined);
      return manager.getRepository(Workspace).save(Object.assign(workspace, Object.fromEntries(given)));
    },
    delete: async () => {
      await manager.getRepository(Workspace).delete({ id: workspaceId });
    },
    invite: async ({ email, tokenHash, role, invitedBy, expiresInSeconds }) => {
      // An expired invitation no longer holds the email's place.
      await invitations
        .createQueryBuilder()
        .update()
        .set({ status: 'expired', answeredAt: () => 'now()' })
        .where("workspace_id = :workspaceId AND email = :email AND status = 'pending' AND expires_at <= now()", { workspaceId, email })
        .execute();
      if (await invitations.existsBy({ workspaceId, email, status: 'pending' })) return null;
      const inserted = await invitations
        .createQueryBuilder()
        .insert()
        .values({ workspaceId, email, tokenHash, role, invitedBy, expiresAt: () => 'now() + make_interval(secs => :expiresInSeconds)' })
        .setParameter('expiresInSeconds', expiresInSeconds)
        .execute();
      const id = (inserted.identifiers[0] as { id: string }).id;
      return toInvitation(await invitations.findOneByOrFail({ id }), workspace);
    },
    closeInvitation: (id, status, email) => closeOpenInvitation(manager, { id, workspaceId, email }, status),
  };
}

/** Invitations that can still be answered: pending and not expired (by the database's clock). */
function openInvitations(manager: EntityManager) {
  return manager
    .getRepository(WorkspaceInvitation)
    .createQueryBuilder('invitation')
    .where("invitation.status = 'pending'")
    .andWhere('invitation.expiresAt > now()');
}

/** Answers an open invitation, in one statement (so it is answered once); false when there was none. */
async function closeOpenInvitation(
  manager: EntityManager,
  which: { id: string; workspaceId?: string; email?: string; tokenHash?: Buffer },
  status: 'accepted' | 'declined' | 'revoked',
): Promise<boolean> {
  const update = manager
    .getRepository(WorkspaceInvitation)
    .createQueryBuilder()
    .update()
    .set({ status, answeredAt: () => 'now()' })
    .where("id = :id AND status = 'pending' AND expires_at > now()", { id: which.id });
  if (which.workspaceId !== undefined) update.andWhere('workspace_id = :workspaceId', { workspaceId: which.workspaceId });
  if (which.email !== undefined) update.andWhere('email = :email', { email: which.email });
  if (which.tokenHash !== undefined) update.andWhere('token_hash = :tokenHash', { tokenHash: which.tokenHash });
  const result = await update.execute();
  return (result.affected ?? 0) > 0;
}

function toInvitation(row: WorkspaceInvitation, workspace: Pick<Workspace, 'id' | 'name' | 'slug'>): Invitation {
  return {
    id: row.id,
    workspace: { id: workspace.id, name: workspace.name, slug: workspace.slug },
    email: row.email,
    role: row.role,
    invitedBy: row.invitedBy,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
  };
}

function toMembership(row: WorkspaceMember): Membership {
  return { userId: row.userId, role: row.role, createdAt: row.createdAt };
}
