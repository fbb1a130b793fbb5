import type { Principal } from '@app/auth';
import { DomainError } from '@app/errors';
import { WorkspaceAccessDenied } from '@app/workspaces';

/** 403: a token narrowed to one workspace (token exchange's `workspace_id`) used on a route outside any workspace. */
export class WorkspaceBoundToken extends DomainError {
  constructor() {
    super('forbidden', 'This token is narrowed to one workspace: this route is outside it');
  }
}

/**
 * Token exchange narrows and never widens: a token carrying `workspace_id` reaches that
 * workspace's routes only. Another workspace's answer is the non-member one (the same whether
 * or not it exists); a route outside any workspace (creating or listing workspaces, the user's
 * invitations) is refused.
 */
export function assertTokenReaches(principal: Principal, workspaceId?: string): void {
  const bound = principal.workspace?.id;
  if (bound === undefined) return;
  if (workspaceId === undefined) throw new WorkspaceBoundToken();
  if (workspaceId !== bound) throw new WorkspaceAccessDenied();
}
