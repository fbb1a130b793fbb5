import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In } from 'typeorm';
import type { Role } from './roles.js';
import { Workspace, WorkspaceMember } from './workspace.entities.js';

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

/**
 * One workspace, locked (`SELECT … FOR UPDATE`) for the length of a transaction: every change
 * to a workspace or its members goes through one, so concurrent changes are applied one after
 * another and each sees the roles the previous one left.
 */
export interface LockedWorkspace {
  readonly workspace: Workspace;
  roleOf(userId: string): Promise<Role | null>;
  ownerCount(): Promise<number>;
  addMember(userId: string, role: Role): Promise<void>;
  setRole(userId: string, role: Role): Promise<void>;
  removeMember(userId: string): Promise<void>;
  update(changes: WorkspaceChanges): Promise<Workspace>;
  delete(): Promise<void>;
}

/** The only place that touches the `workspaces` and `workspace_members` tables, and it touches no other. */
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
  const workspaceId = workspace.id;
  return {
    workspace,
    roleOf: async (userId) => (await members.findOneBy({ workspaceId, userId }))?.role ?? null,
    ownerCount: () => members.countBy({ workspaceId, role: 'owner' }),
    addMember: async (userId, role) => {
      await members.insert({ workspaceId, userId, role });
    },
    setRole: async (userId, role) => {
      await members.update({ workspaceId, userId }, { role });
    },
    removeMember: async (userId) => {
      await members.delete({ workspaceId, userId });
    },
    update: async (changes) => manager.getRepository(Workspace).save(Object.assign(workspace, changes)),
    delete: async () => {
      await manager.getRepository(Workspace).delete({ id: workspaceId });
    },
  };
}

function toMembership(row: WorkspaceMember): Membership {
  return { userId: row.userId, role: row.role, createdAt: row.createdAt };
}
