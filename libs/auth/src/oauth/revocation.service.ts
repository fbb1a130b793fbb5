import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { CLIENT_SUBJECT_PREFIX, type TokenClaims } from '../tokens/token-claims.js';
import { TokenProvider } from '../tokens/token-provider.js';
import { type OAuthParameters, required, single } from './oauth-parameters.js';

/**
 * `POST /oauth/revoke` (RFC 7009): revokes the session of a refresh or an access token (a
 * user's session, with every token of it; a client's own tokens, whose next one works), once
 * its signature is verified. Anything else (unknown, forged, expired) is answered the same:
 * there is nothing to revoke.
 */
@Injectable()
export class Revocation {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly tokens: TokenProvider,
    private readonly sessions: SessionsService,
    private readonly clients: ClientsService,
  ) {}

  async revoke(parameters: OAuthParameters): Promise<void> {
    const token = required(parameters, 'token');
    // A hint only says which type to try first (RFC 7009 section 2.1).
    const refreshFirst = single(parameters, 'token_type_hint') === 'refresh_token';
    const claims = refreshFirst
      ? (this.asRefresh(token) ?? (await this.asAccess(token)))
      : ((await this.asAccess(token)) ?? this.asRefresh(token));
    if (claims === undefined) return;
    if (claims.sub.startsWith(CLIENT_SUBJECT_PREFIX)) {
      await this.clients.revokeTokens(claims.sub.slice(CLIENT_SUBJECT_PREFIX.length), claims.sid);
    } else {
      await this.sessions.revoke({ userId: claims.sub, sessionId: claims.sid }, 'token_revoked');
    }
  }

  private async asAccess(token: string): Promise<Readonly<TokenClaims> | undefined> {
    const claims = await this.verifier.verify(token);
    return typeof claims === 'string' ? undefined : claims;
  }

  private asRefresh(token: string): Readonly<TokenClaims> | undefined {
    const claims = this.tokens.verifyRefreshToken(token);
    return typeof claims === 'string' ? undefined : claims;
  }
}
