import { UserNotFound } from '@app/users';
import type { DomainError } from '@app/errors';
import { type Role, ROLE_RANK } from './roles.js';
import { SlugTaken, WorkspaceAccessDenied } from './workspace-errors.js';
import { DuplicateSlugError, type LockedWorkspace, UnknownUserError, type WorkspacesRepository } from './workspaces.repository.js';

/** The caller's role in the locked workspace; refused unless it is at least `minimum`. */
export async function requireRole(locked: LockedWorkspace, userId: string, minimum: Role): Promise<Role> {
  const role = await locked.roleOf(userId);
  if (role === null || ROLE_RANK[role] < ROLE_RANK[minimum]) throw new WorkspaceAccessDenied();
  return role;
}

export function requireOwner(role: Role): void {
  if (role !== 'owner') throw new WorkspaceAccessDenied();
}

/**
 * Runs a change with the workspace locked, turning the repository's errors into refusals. A
 * workspace that does not exist is the usual 403, unless `missing` says otherwise.
 */
export async function changeLocked<T>(
  workspaces: WorkspacesRepository,
  workspaceId: string,
  work: (locked: LockedWorkspace) => Promise<T>,
  missing: () => DomainError = () => new WorkspaceAccessDenied(),
): Promise<T> {
  let result: T | null;
  try {
    result = await workspaces.withLockedWorkspace(workspaceId, work);
  } catch (error) {
    if (error instanceof DuplicateSlugError) throw new SlugTaken();
    // Deleted between the look-up and the insert.
    if (error instanceof UnknownUserError) throw new UserNotFound();
    throw error;
  }
  if (result === null) throw missing();
  return result;
}
