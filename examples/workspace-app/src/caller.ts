import type { GatehousePrincipal } from '@gatehouse/nest';

/** What a handler hands on from the verified token: the principal without the token and its raw claims. */
export function principalView(principal: GatehousePrincipal) {
  // The kit hands every request of a token it has seen, on the same route, the same frozen
  // principal: its view is built once.
  let view = views.get(principal);
  if (view === undefined) views.set(principal, (view = Object.freeze(viewOf(principal))));
  return view;
}

function viewOf(principal: GatehousePrincipal) {
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

const views = new WeakMap<GatehousePrincipal, Readonly<ReturnType<typeof viewOf>>>();

const nullableString = { type: ['string', 'null'] } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;

/**
 * The JSON schema of `principalView`'s answer: declared on the routes that return it, Fastify
 * serializes it with a compiled serializer (fast-json-stringify) instead of `JSON.stringify`.
 */
export const PRINCIPAL_VIEW_SCHEMA = {
  type: 'object',
  required: ['kind', 'subject', 'user_id', 'client_id', 'session_id', 'audiences', 'resources'],
  properties: {
    kind: { type: 'string' },
    subject: { type: 'string' },
    user_id: nullableString,
    client_id: nullableString,
    session_id: nullableString,
    audiences: strings,
    resources: strings,
    workspace_id: nullableString,
    workspace_role: nullableString,
    // RFC 8693's nested actor claim, as the token has it.
    actor: { type: ['object', 'null'], additionalProperties: true },
    scope: { type: ['array', 'null'], items: { type: 'string' } },
    expires_at: { type: 'string' },
  },
} as const;
