import { Injectable } from '@nestjs/common';
import { type Audience, SecurityConfig } from '@app/config';
import { OAuthError } from '@app/errors';
import { WorkspacesService } from '@app/workspaces';
import type { OAuthClient } from '../clients/client.entity.js';
import { RevokedSessions } from '../revocation/revoked-sessions.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import {
  type ActorClaim,
  CLIENT_SUBJECT_PREFIX,
  isResourceUri,
  isSurface,
  MAX_ACTOR_DEPTH,
  type TokenClaims,
  type TokenRejection,
} from '../tokens/token-claims.js';
import { TokenProvider } from '../tokens/token-provider.js';
import { ACCESS_TOKEN_TYPE_URN, list, type OAuthParameters, required, single } from './oauth-parameters.js';

/** RFC 8693 section 2.2.1. */
export interface ExchangeResponse {
  access_token: string;
  issued_token_type: typeof ACCESS_TOKEN_TYPE_URN;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

/** Resource URIs one exchange may ask for, at most. */
export const MAX_RESOURCES = 10;
/** RFC 6749 section 3.3: scope tokens are printable ASCII but space, `"` and `\`, separated by spaces. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;
const MAX_SCOPE_LENGTH = 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const REJECTION_WORDS: Readonly<Record<TokenRejection | 'revoked', string>> = {
  invalid: 'Invalid token',
  expired: 'Token expired',
  issuer: 'Invalid issuer',
  revoked: 'Token revoked',
};

/**
 * Token exchange (RFC 8693, SPEC section 6): a Gatehouse access token traded for one that is
 * narrower, never wider: its surfaces among the subject token's (`invalid_target` otherwise),
 * resource URIs (RFC 8707) among the subject's when it has some, scopes among the subject's
 * when it has some, the subject's workspace kept, and a workspace only for a member, with the
 * role read now. It keeps the subject's `sid` (revoking the session revokes it) and lives at
 * most JWT_EXCHANGE_TOKEN_EXPIRATION, never past the subject token. An invalid subject or
 * actor token is `invalid_request`, as RFC 8693 section 2.2.2 says.
 */
@Injectable()
export class TokenExchange {
  constructor(
    private readonly security: SecurityConfig,
    private readonly verifier: AccessTokenVerifier,
    private readonly revoked: RevokedSessions,
    private readonly tokens: TokenProvider,
    private readonly workspaces: WorkspacesService,
  ) {}

  /** `client`: the authenticated client that asks, if any (it becomes the token's `client_id`). */
  async exchange(parameters: OAuthParameters, client: OAuthClient | undefined): Promise<ExchangeResponse> {
    const subjectToken = required(parameters, 'subject_token');
    requireAccessTokenType('subject_token_type', required(parameters, 'subject_token_type'));
    const requestedType = single(parameters, 'requested_token_type');
    if (requestedType !== undefined) requireAccessTokenType('requested_token_type', requestedType);
    const subject = await this.active(subjectToken, 'subject_token');
    const { act, actorSession } = await this.actor(parameters, subject, client);
    const surfaces = this.surfaces(parameters, subject);
    const resources = this.resources(parameters, subject);
    const scope = this.scope(parameters, subject);
    const workspace = await this.workspace(parameters, subject);

    const lifetime = Math.min(this.security.exchangeTokenExpiration, subject.exp - Math.floor(Date.now() / 1000));
    if (lifetime < 1) throw new OAuthError('invalid_request', `subject_token is not valid: ${REJECTION_WORDS.expired}`);
    const issued = this.tokens.issueGrantedAccessToken(
      {
        sub: subject.sub,
        sessionId: subject.sid,
        audience: [...surfaces, ...resources],
        claims: {
          scope,
          client_id: client?.id,
          workspace_id: workspace?.id,
          workspace_role: workspace?.role,
          act,
          client_sids: clientSessions(subject, client, actorSession),
        },
      },
      lifetime,
    );
    const response: ExchangeResponse = {
      access_token: issued.token,
      issued_token_type: ACCESS_TOKEN_TYPE_URN,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
    };
    if (scope !== undefined) response.scope = scope;
    return response;
  }

  /** The claims of a Gatehouse access token that is valid now and whose session stands. */
  private async active(token: string, name: string): Promise<Readonly<TokenClaims>> {
    const claims = await this.verifier.verify(token);
    if (typeof claims === 'string') throw new OAuthError('invalid_request', `${name} is not valid: ${REJECTION_WORDS[claims]}`);
    if (this.revoked.revokes(claims)) throw new OAuthError('invalid_request', `${name} is not valid: ${REJECTION_WORDS.revoked}`);
    return claims;
  }

  /**
   * `act` of the new token: the actor client, before the subject's own actors (RFC 8693 section
   * 4.1), with the actor's session. The actor must be the client that authenticated: a client's
   * token handed to a resource server does not let that server speak as the client.
   */
  private async actor(
    parameters: OAuthParameters,
    subject: Readonly<TokenClaims>,
    client: OAuthClient | undefined,
  ): Promise<{ act: ActorClaim | undefined; actorSession?: string }> {
    const actorToken = single(parameters, 'actor_token');
    const actorType = single(parameters, 'actor_token_type');
    if (actorToken === undefined) {
      if (actorType !== undefined) throw new OAuthError('invalid_request', 'actor_token_type is given without actor_token');
      return { act: subject.act };
    }
    if (actorType === undefined) throw new OAuthError('invalid_request', 'actor_token_type is required with actor_token');
    requireAccessTokenType('actor_token_type', actorType);
    if (client === undefined) throw new OAuthError('invalid_client', 'actor_token needs the actor client to authenticate');
    const actor = await this.active(actorToken, 'actor_token');
    if (!actor.sub.startsWith(CLIENT_SUBJECT_PREFIX)) {
      throw new OAuthError('invalid_request', "actor_token must be a client's own token (sub client:<client_id>)");
    }
    if (actor.sub !== `${CLIENT_SUBJECT_PREFIX}${client.id}`) {
      throw new OAuthError('invalid_request', 'actor_token must be the token of the client that authenticates');
    }
    const act: ActorClaim = subject.act === undefined ? { sub: actor.sub } : { sub: actor.sub, act: subject.act };
    if (depthOf(act) > MAX_ACTOR_DEPTH) {
      throw new OAuthError('invalid_request', `actor_token would make a chain of more than ${MAX_ACTOR_DEPTH} actors`);
    }
    return { act, actorSession: actor.sid };
  }

  /** The requested surfaces: each one of the subject token's, and served. */
  private surfaces(parameters: OAuthParameters, subject: Readonly<TokenClaims>): Audience[] {
    const requested = list(parameters, 'audience', 4 + MAX_RESOURCES);
    if (requested.length === 0) {
      throw new OAuthError('invalid_request', 'audience is required: the surfaces (web, api, a2a, mcp) the new token is for');
    }
    const held = subject.aud.filter(isSurface);
    for (const audience of requested) {
      if (!isSurface(audience)) {
        throw new OAuthError(
          'invalid_target',
          `audience "${audience}" is not a surface (web, api, a2a, mcp); resource servers go in resource`,
        );
      }
      if (!held.includes(audience)) {
        throw new OAuthError(
          'invalid_target',
          `audience "${audience}" is not among the subject token's (${held.join(', ')}): an exchange only narrows`,
        );
      }
      if (!this.security.audiences.includes(audience)) {
        throw new OAuthError('invalid_target', `audience "${audience}" is not served by this deployment`);
      }
    }
    return requested as Audience[];
  }

  /** The requested resource URIs, among the subject's when it has some; none requested keeps the subject's. */
  private resources(parameters: OAuthParameters, subject: Readonly<TokenClaims>): string[] {
    const requested = list(parameters, 'resource', MAX_RESOURCES);
    const held = subject.aud.filter((entry) => !isSurface(entry));
    for (const resource of requested) {
      if (!isResourceUri(resource)) {
        throw new OAuthError('invalid_target', `resource "${resource}" is not an absolute URI without a fragment (RFC 8707)`);
      }
      if (held.length > 0 && !held.includes(resource)) {
        throw new OAuthError('invalid_target', `resource "${resource}" is not among the subject token's: an exchange only narrows`);
      }
    }
    return requested.length > 0 ? requested : held;
  }

  /** The requested scopes, among the subject's when it has some; none requested keeps the subject's. */
  private scope(parameters: OAuthParameters, subject: Readonly<TokenClaims>): string | undefined {
    const requested = single(parameters, 'scope');
    if (requested === undefined) return subject.scope;
    if (requested.length > MAX_SCOPE_LENGTH || !SCOPE.test(requested)) {
      throw new OAuthError('invalid_scope', 'scope must be space-separated scope tokens (RFC 6749 section 3.3)');
    }
    const scopes = [...new Set(requested.split(' '))];
    if (subject.scope !== undefined) {
      const held = subject.scope.split(' ');
      const wider = scopes.find((scope) => !held.includes(scope));
      if (wider !== undefined) {
        throw new OAuthError('invalid_scope', `scope "${wider}" is not among the subject token's: an exchange only narrows`);
      }
    }
    return scopes.join(' ');
  }

  /** The workspace of the new token, the subject's if it had one, with the subject's role there now. */
  private async workspace(parameters: OAuthParameters, subject: Readonly<TokenClaims>): Promise<{ id: string; role: string } | undefined> {
    const requested = single(parameters, 'workspace_id');
    if (requested !== undefined && !UUID.test(requested)) throw new OAuthError('invalid_request', 'workspace_id must be a UUID');
    if (requested !== undefined && subject.workspace_id !== undefined && requested.toLowerCase() !== subject.workspace_id) {
      throw new OAuthError('invalid_target', "workspace_id is not the subject token's workspace: an exchange only narrows");
    }
    const workspaceId = requested?.toLowerCase() ?? subject.workspace_id;
    if (workspaceId === undefined) return undefined;
    const role = subject.sub.startsWith(CLIENT_SUBJECT_PREFIX) ? null : await this.workspaces.roleOf(subject.sub, workspaceId);
    if (role === null) throw new OAuthError('invalid_target', 'The subject is not a member of this workspace');
    return { id: workspaceId, role };
  }
}

function requireAccessTokenType(name: string, value: string): void {
  if (value !== ACCESS_TOKEN_TYPE_URN) {
    throw new OAuthError('invalid_request', `${name} must be ${ACCESS_TOKEN_TYPE_URN}: Gatehouse exchanges its access tokens only`);
  }
}

function depthOf(actor: ActorClaim): number {
  let depth = 0;
  for (let current: ActorClaim | undefined = actor; current !== undefined; current = current.act) depth++;
  return depth;
}

/**
 * The sessions of the clients a token was exchanged by or for (the authenticating client, the
 * actor, and those of the subject token): revoking any of them (disabling the client) revokes
 * the new token too, as revoking the user's session (`sid`) does.
 */
function clientSessions(
  subject: Readonly<TokenClaims>,
  client: OAuthClient | undefined,
  actorSession: string | undefined,
): string[] | undefined {
  const sessions = new Set<string>(subject.client_sids);
  // A client's own token as the subject: its session is the token's sid, kept as such.
  if (client !== undefined) sessions.add(client.sessionId);
  if (actorSession !== undefined) sessions.add(actorSession);
  sessions.delete(subject.sid);
  return sessions.size === 0 ? undefined : [...sessions];
}
