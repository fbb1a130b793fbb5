import { Injectable } from '@nestjs/common';
import type { OAuthClient } from '../clients/client.entity.js';
import { RevokedSessions } from '../revocation/revoked-sessions.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { isSurface, type TokenClaims } from '../tokens/token-claims.js';
import { type OAuthParameters, required } from './oauth-parameters.js';

/** RFC 7662 section 2.2, as SPEC section 6 fixes it. */
export type IntrospectionResponse = { active: false } | ({ active: true; token_type: 'access_token' } & Omit<TokenClaims, 'auth_time'>);

const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

/**
 * `POST /oauth/introspect` (RFC 7662): whether an access token is valid now, for a resource
 * server that cannot verify it itself, and its claims. As cheap as a guarded request: the
 * verified-token cache, the revoked-session set and the client from memory. Inactive: anything
 * that is not a valid Gatehouse access token now (expired, revoked, forged, a refresh token),
 * and a token for none of the asking client's audiences (or, when it names resource servers,
 * none of the client's resources): a client learns nothing about tokens that are not meant for it.
 */
@Injectable()
export class Introspection {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly revoked: RevokedSessions,
  ) {}

  async introspect(parameters: OAuthParameters, client: OAuthClient): Promise<IntrospectionResponse> {
    const token = required(parameters, 'token');
    const claims = this.verifier.cached(token) ?? (await this.verifier.verify(token));
    if (typeof claims === 'string' || this.revoked.revokes(claims) || !meantFor(claims, client)) return INACTIVE;
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { auth_time, client_sids, ...shown } = claims;
    return { active: true, ...shown, token_type: 'access_token' };
  }
}

function meantFor(claims: Readonly<TokenClaims>, client: OAuthClient): boolean {
  let surface = false;
  let resources = 0;
  let resource = false;
  for (const entry of claims.aud) {
    if (isSurface(entry)) surface ||= client.audiences.includes(entry);
    else {
      resources++;
      resource ||= client.resources.includes(entry);
    }
  }
  // A token narrowed to resource servers is meant only for a client registered for one of them.
  return surface && (resources === 0 || resource);
}
