import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { type PublicUser, UsersService } from '@app/users';
import type { Role } from './roles.js';
import { slugify } from './slugify.js';
import { changeLocked, requireOwner, requireRole } from './workspace-access.js';
import {
  DisabledOwnerRefused,
  LastOwnerRequired,
  MemberNotFound,
  OwnRoleChangeRefused,
  SlugTaken,
  WorkspaceAccessDenied,
} from './workspace-errors.js';
import type { Workspace } from './workspace.entities.js';
import {
  DuplicateSlugError,
  type LockedWorkspace,
  type Membership,
  type WorkspaceChanges,
  WorkspacesRepository,
} from './workspaces.repository.js';

export interface NewWorkspace {
  name: string;
  /** Made from the name when not given. */
  slug?: string;
  description?: string;
}

export interface WorkspaceView {
  id: string;
  name: string;
  slug: string;
  description: string | null;
  settings: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  /** The caller's role in it. */
  role: Role;
}

export interface MemberView {
  user_id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: string;
}

/**
 * Workspaces and their members. Every rule of who may do what is enforced here; every change
 * runs with the workspace locked, so the rules are checked against the roles as they are at
 * that moment, even under concurrent requests.
 */
@Injectable()
export class WorkspacesService {
  constructor(
    private readonly workspaces: WorkspacesRepository,
    private readonly users: UsersService,
  ) {}

  async create(userId: string, input: NewWorkspace): Promise<WorkspaceView> {
    const fields = { name: input.name, description: input.description ?? null };
    if (input.slug !== undefined) {
      return view(await this.createOrConflict({ ...fields, slug: input.slug }, userId), 'owner');
    }
    // A slug made from the name gets a short suffix when the plain one is taken.
    const base = slugify(input.name);
    for (let attempt = 0; attempt < 5; attempt++) {
      const slug = attempt === 0 ? base : `${base.slice(0, 57)}-${randomBytes(3).toString('hex')}`;
      if (attempt === 0 && (await this.workspaces.slugExists(slug))) continue;
      try {
        return view(await this.workspaces.createWithOwner({ ...fields, slug }, userId), 'owner');
      } catch (error) {
        if (!(error instanceof DuplicateSlugError)) throw error;
      }
    }
    throw new SlugTaken();
  }

  async list(
    userId: string,
    limit: number,
    offset: number,
  ): Promise<{ items: WorkspaceView[]; total: number; limit: number; offset: number }> {
    const { items, total } = await this.workspaces.listForUser(userId, limit, offset);
    return { items: items.map(({ workspace, role }) => view(workspace, role)), total, limit, offset };
  }

  async get(userId: string, workspaceId: string): Promise<WorkspaceView> {
    const found = await this.workspaces.findWithRole(workspaceId, userId);
    if (found === null) throw new WorkspaceAccessDenied();
    return view(found.workspace, found.role);
  }

  /** The user's role in the workspace now, or null when the user is not a member (or there is no such workspace). */
  roleOf(userId: string, workspaceId: string): Promise<Role | null> {
    return this.workspaces.roleOf(workspaceId, userId);
  }

  async update(userId: string, workspaceId: string, changes: WorkspaceChanges): Promise<WorkspaceView> {
    return this.change(workspaceId, async (locked) => {
      const role = await requireRole(locked, userId, 'admin');
      return view(await locked.update(changes), role);
    });
  }

  async delete(userId: string, workspaceId: string): Promise<void> {
    await this.change(workspaceId, async (locked) => {
      await requireRole(locked, userId, 'owner');
      await locked.delete();
    });
  }

  async members(
    userId: string,
    workspaceId: string,
    limit: number,
    offset: number,
  ): Promise<{ items: MemberView[]; total: number; limit: number; offset: number }> {
    const role = await this.workspaces.roleOf(workspaceId, userId);
    if (role === null) throw new WorkspaceAccessDenied();
    const { items, total } = await this.workspaces.listMembers(workspaceId, limit, offset);
    return { items: await this.withProfiles(items), total, limit, offset };
  }

  async changeRole(userId: string, workspaceId: string, memberId: string, role: Role): Promise<MemberView> {
    await this.change(workspaceId, async (locked) => {
      const actorRole = await requireRole(locked, userId, 'admin');
      const current = await locked.roleOf(memberId);
      if (current === null) throw new MemberNotFound();
      if (memberId === userId) throw new OwnRoleChangeRefused();
      // Only an owner touches an owner, or hands out admin or owner.
      if (current === 'owner' || role !== 'member') requireOwner(actorRole);
      if (role === 'owner' && current !== 'owner' && (await this.users.findActiveIds([memberId], locked.manager)).length === 0) {
        throw new DisabledOwnerRefused();
      }
      if (current === 'owner' && role !== 'owner') await this.requireAnotherActiveOwner(locked, memberId);
      await locked.setRole(memberId, role);
    });
    return this.member(workspaceId, memberId);
  }

  /** An admin removes a member, or a member leaves; only an owner removes an owner. */
  async removeMember(userId: string, workspaceId: string, memberId: string): Promise<void> {
    await this.change(workspaceId, async (locked) => {
      const actorRole = await requireRole(locked, userId, memberId === userId ? 'member' : 'admin');
      const current = await locked.roleOf(memberId);
      if (current === null) throw new MemberNotFound();
      if (current === 'owner') {
        requireOwner(actorRole);
        await this.requireAnotherActiveOwner(locked, memberId);
      }
      await locked.removeMember(memberId);
    });
  }

  /**
   * Refuses a change that leaves no owner but `leavingOwnerId` who can act: a disabled owner does
   * not count. Asked on the lock's own connection, so it takes no second one from the pool.
   */
  private async requireAnotherActiveOwner(locked: LockedWorkspace, leavingOwnerId: string): Promise<void> {
    const others = (await locked.ownerIds()).filter((ownerId) => ownerId !== leavingOwnerId);
    if ((await this.users.findActiveIds(others, locked.manager)).length === 0) throw new LastOwnerRequired();
  }

  private async member(workspaceId: string, memberId: string): Promise<MemberView> {
    const membership = await this.workspaces.findMembership(workspaceId, memberId);
    const [member] = membership === null ? [] : await this.withProfiles([membership]);
    if (member === undefined) throw new MemberNotFound();
    return member;
  }

  /** The memberships, in their order, with who each user is (from libs/users, the owner of `users`). */
  private async withProfiles(memberships: readonly Membership[]): Promise<MemberView[]> {
    const users = await this.users.findPublicUsers(memberships.map((membership) => membership.userId));
    const byId = new Map(users.map((user) => [user.id, user]));
    return memberships.flatMap((membership) => {
      const user = byId.get(membership.userId);
      return user === undefined ? [] : [memberView(membership, user)];
    });
  }

  private change<T>(workspaceId: string, work: (locked: LockedWorkspace) => Promise<T>): Promise<T> {
    return changeLocked(this.workspaces, workspaceId, work);
  }

  private async createOrConflict(fields: Pick<Workspace, 'name' | 'slug' | 'description'>, userId: string): Promise<Workspace> {
    try {
      return await this.workspaces.createWithOwner(fields, userId);
    } catch (error) {
      if (error instanceof DuplicateSlugError) throw new SlugTaken();
      throw error;
    }
  }
}

function view(workspace: Workspace, role: Role): WorkspaceView {
  return {
    id: workspace.id,
    name: workspace.name,
    slug: workspace.slug,
    description: workspace.description,
    settings: workspace.settings,
    created_at: workspace.createdAt.toISOString(),
    updated_at: workspace.updatedAt.toISOString(),
    role,
  };
}

function memberView(membership: Membership, user: PublicUser): MemberView {
  return {
    user_id: membership.userId,
    email: user.email,
    name: user.name,
    role: membership.role,
    created_at: membership.createdAt.toISOString(),
  };
}
