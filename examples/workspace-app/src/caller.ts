import type { GatehousePrincipal } from '@gatehouse/nest';

/** What a handler hands on from the verified token: the principal without the token and its raw claims. */
export function principalView(principal: GatehousePrincipal) {
  return {
    kind: principal.kind,
    subject: principal.subject,
    user_id: principal.userId ?? null,
    client_id: principal.clientId ?? null,
    session_id: principal.sessionId ?? null,
    audiences: principal.audiences,
    resources: principal.resources,
    workspace_id: principal.workspaceId ?? null,
    workspace_role: principal.workspaceRole ?? null,
    actor: principal.actor ?? null,
    scope: principal.scope ?? null,
    expires_at: principal.expiresAt.toISOString(),
  };
}
