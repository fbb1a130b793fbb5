import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { type Audience, SecurityConfig } from '@app/config';
import { OAuthError } from '@app/errors';
import type { OAuthClient } from '../clients/client.entity.js';
import { AuthService, CredentialsRefused } from '../http/auth.service.js';
import { clientAddress } from '../http/client-address.js';
import { CLIENT_SUBJECT_PREFIX } from '../tokens/token-claims.js';
import { TokenProvider } from '../tokens/token-provider.js';
import { ClientAuthentication } from './client-authentication.js';
import { list, type OAuthParameters, required, single, TOKEN_EXCHANGE_GRANT } from './oauth-parameters.js';
import { type ExchangeResponse, MAX_RESOURCES, TokenExchange } from './token-exchange.js';

/** RFC 6749 section 5.1. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token?: string;
}

export const GRANT_TYPES = ['client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT] as const;

/**
 * `POST /oauth/token` (SPEC section 6): the client credentials grant (a client's own token),
 * the refresh token grant (the rotation of `/auth/refresh`, in the OAuth shape) and token
 * exchange (`TokenExchange`). Client authentication is required for client credentials and
 * optional otherwise: a refresh token or an access token is itself the credential, and an
 * exchange can only narrow it. Credentials that are presented must be right.
 */
@Injectable()
export class TokenEndpoint {
  constructor(
    private readonly security: SecurityConfig,
    private readonly clientAuthentication: ClientAuthentication,
    private readonly tokens: TokenProvider,
    private readonly auth: AuthService,
    private readonly exchanges: TokenExchange,
  ) {}

  async grant(parameters: OAuthParameters, request: FastifyRequest): Promise<TokenResponse | ExchangeResponse> {
    const grantType = required(parameters, 'grant_type');
    if (!(GRANT_TYPES as readonly string[]).includes(grantType)) {
      throw new OAuthError(
        'unsupported_grant_type',
        `grant_type ${JSON.stringify(grantType)} is not supported; supported: ${GRANT_TYPES.join(', ')}`,
      );
    }
    // Outside dev with the built-in secret nothing is issued: refused before any credential is checked.
    this.tokens.assertCanIssue();
    switch (grantType) {
      case 'client_credentials':
        return this.clientCredentials(parameters, await this.clientAuthentication.require(request, parameters));
      case 'refresh_token':
        await this.clientAuthentication.optional(request, parameters);
        return this.refresh(parameters, request);
      default:
        return this.exchanges.exchange(parameters, await this.clientAuthentication.optional(request, parameters));
    }
  }

  /** A token for the client itself: the audiences and resources it asks for, among those it is registered for. */
  private clientCredentials(parameters: OAuthParameters, client: OAuthClient): TokenResponse {
    if (single(parameters, 'scope') !== undefined) {
      throw new OAuthError('invalid_scope', "client_credentials takes no scope: a client's token is narrowed by audience and resource");
    }
    const registered = client.audiences.filter((audience): audience is Audience => this.security.audiences.includes(audience as Audience));
    if (registered.length === 0) {
      throw new OAuthError(
        'invalid_target',
        `None of this client's audiences (${client.audiences.join(', ')}) is served by this deployment`,
      );
    }
    const requested = list(parameters, 'audience', 4 + MAX_RESOURCES);
    const wider = requested.find((audience) => !(registered as string[]).includes(audience));
    if (wider !== undefined) {
      throw new OAuthError('invalid_target', `audience "${wider}" is not one this client is registered for (${registered.join(', ')})`);
    }
    const resources = list(parameters, 'resource', MAX_RESOURCES);
    const unregistered = resources.find((resource) => !client.resources.includes(resource));
    if (unregistered !== undefined)
      throw new OAuthError('invalid_target', `resource "${unregistered}" is not one this client is registered for`);
    const issued = this.tokens.issueGrantedAccessToken(
      {
        sub: `${CLIENT_SUBJECT_PREFIX}${client.id}`,
        sessionId: client.sessionId,
        audience: [...(requested.length > 0 ? requested : registered), ...(resources.length > 0 ? resources : client.resources)],
        claims: { client_id: client.id },
      },
      this.security.accessTokenExpiration,
    );
    return { access_token: issued.token, token_type: 'Bearer', expires_in: issued.expiresIn };
  }

  /** The rotation of `/auth/refresh`, its refusals as `invalid_grant`. */
  private async refresh(parameters: OAuthParameters, request: FastifyRequest): Promise<TokenResponse> {
    const refreshToken = required(parameters, 'refresh_token');
    if (single(parameters, 'scope') !== undefined) {
      throw new OAuthError('invalid_scope', 'refresh_token takes no scope: the session keeps the audiences of its login');
    }
    const userAgent = request.headers['user-agent'];
    try {
      const pair = await this.auth.refresh(
        { refresh_token: refreshToken },
        { ip: clientAddress(request), userAgent: typeof userAgent === 'string' ? userAgent.slice(0, 512) : null },
      );
      return { access_token: pair.access_token, token_type: 'Bearer', expires_in: pair.expires_in, refresh_token: pair.refresh_token };
    } catch (error) {
      if (error instanceof CredentialsRefused) throw new OAuthError('invalid_grant', error.message);
      throw error;
    }
  }
}
