import type { InvitationsService, MembershipView, Role } from '@app/workspaces';
import { json, request } from './auth-client.js';

/** Someone signed in, as the e2e tests hold them. */
export interface Invitee {
  email: string;
  token: string;
}

/** `POST /workspaces/:id/invitations` as `by`. */
export function invite(baseUrl: string, by: { token: string }, workspaceId: string, email: string, role?: Role): Promise<Response> {
  return request(baseUrl, 'POST', `/workspaces/${workspaceId}/invitations`, {
    token: by.token,
    body: role === undefined ? { email } : { email, role },
  });
}

/**
 * How someone joins a workspace over HTTP: `by` invites their email with `role`, and they accept.
 * Resolves to the answer to the accept; the invitation itself must succeed.
 */
export async function inviteAndAccept(
  baseUrl: string,
  by: { token: string },
  workspaceId: string,
  who: Invitee,
  role: Role = 'member',
): Promise<Response> {
  const invited = await invite(baseUrl, by, workspaceId, who.email, role);
  if (invited.status !== 201) throw new Error(`invitation failed: ${invited.status} ${await invited.text()}`);
  const { id, token } = await json<{ id: string; token: string }>(invited);
  return request(baseUrl, 'POST', `/invitations/${id}/accept`, { token: who.token, body: { token } });
}

/** The same through InvitationsService (the medium tier): `byUserId` invites, `who` accepts. */
export async function joinByInvitation(
  invitations: InvitationsService,
  byUserId: string,
  workspaceId: string,
  who: { id: string; email: string },
  role: Role = 'member',
): Promise<MembershipView> {
  const { id, token } = await invitations.invite(byUserId, workspaceId, { email: who.email, role });
  return invitations.accept(who.id, id, token);
}
