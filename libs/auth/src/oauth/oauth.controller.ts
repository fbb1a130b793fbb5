import { Body, Controller, HttpCode, HttpStatus, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { OAuthEndpoint } from '@app/http-api';
import { Public } from '../access/route-access.decorators.js';
import { NoStore } from '../http/no-store.decorator.js';
import { AddressRateLimitGuard } from '../http/rate-limit/address-rate-limit.guard.js';
import { TooManyRequests } from '../http/rate-limit/rate-limiters.js';
import { TokenIssuanceDisabled } from '../tokens/token-provider.js';
import {
  BOTH_METHODS,
  CLIENT_AUTHENTICATION_FAILED,
  CLIENT_AUTHENTICATION_REQUIRED,
  ClientAuthentication,
  MALFORMED_BASIC,
  UNSUPPORTED_SCHEME,
} from './client-authentication.js';
import { type IntrospectionResponse, Introspection } from './introspection.service.js';
import { IntrospectionResponseBody, TokenRequest, TokenRequestWithToken, TokenResponseBody } from './oauth.dto.js';
import { parametersOf } from './oauth-parameters.js';
import { Revocation } from './revocation.service.js';
import type { ExchangeResponse } from './token-exchange.js';
import { TokenEndpoint, type TokenResponse } from './token-endpoint.service.js';

const RATE_LIMITED = ['temporarily_unavailable', new TooManyRequests(30).message] as const;
const CLIENT_REFUSALS = [
  ['invalid_client', CLIENT_AUTHENTICATION_FAILED],
  ['invalid_client', UNSUPPORTED_SCHEME],
  ['invalid_client', MALFORMED_BASIC],
] as const;

/**
 * The OAuth 2.0 endpoints (SPEC section 6), in the standard wire formats: form bodies (JSON
 * too), errors as `{error, error_description}`, nothing cached. Public routes: the client
 * authenticates with its own credentials, not a bearer token.
 */
@ApiTags('oauth')
@Controller('oauth')
@Public()
export class OAuthController {
  constructor(
    private readonly tokenEndpoint: TokenEndpoint,
    private readonly clientAuthentication: ClientAuthentication,
    private readonly introspection: Introspection,
    private readonly revocation: Revocation,
  ) {}

  @Post('token')
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @OAuthEndpoint({
    operationId: 'oauthToken',
    summary: 'Issue a token: client_credentials, refresh_token, or token exchange (RFC 8693)',
    errors: {
      400: [
        ['invalid_request', 'grant_type is required'],
        ['invalid_request', 'subject_token is not valid: Token revoked'],
        ['invalid_request', BOTH_METHODS],
        [
          'unsupported_grant_type',
          'grant_type "password" is not supported; supported: client_credentials, refresh_token, urn:ietf:params:oauth:grant-type:token-exchange',
        ],
        ['invalid_grant', 'Refresh token reuse detected; the session has been revoked'],
        ['invalid_target', 'audience "web" is not among the subject token\'s (mcp): an exchange only narrows'],
        ['invalid_scope', 'scope "admin" is not among the subject token\'s: an exchange only narrows'],
      ],
      401: [['invalid_client', CLIENT_AUTHENTICATION_REQUIRED], ...CLIENT_REFUSALS],
      429: [RATE_LIMITED],
      503: [['temporarily_unavailable', new TokenIssuanceDisabled().message]],
    },
  })
  @ApiBody({ type: TokenRequest })
  @ApiOkResponse({ type: TokenResponseBody })
  token(@Body() body: unknown, @Req() request: FastifyRequest): Promise<TokenResponse | ExchangeResponse> {
    return this.tokenEndpoint.grant(parametersOf(body), request);
  }

  @Post('introspect')
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @OAuthEndpoint({
    operationId: 'introspectToken',
    summary: 'Whether an access token is valid now, and its claims (RFC 7662); for a client whose audiences it carries',
    errors: {
      400: [['invalid_request', 'token is required']],
      401: [['invalid_client', CLIENT_AUTHENTICATION_REQUIRED], ...CLIENT_REFUSALS],
      429: [RATE_LIMITED],
    },
  })
  @ApiBody({ type: TokenRequestWithToken })
  @ApiOkResponse({ type: IntrospectionResponseBody })
  async introspect(@Body() body: unknown, @Req() request: FastifyRequest): Promise<IntrospectionResponse> {
    const parameters = parametersOf(body);
    return this.introspection.introspect(parameters, await this.clientAuthentication.require(request, parameters));
  }

  @Post('revoke')
  @UseGuards(AddressRateLimitGuard)
  @HttpCode(HttpStatus.OK)
  @NoStore()
  @OAuthEndpoint({
    operationId: 'revokeToken',
    summary: 'Revoke the session of a refresh or access token (RFC 7009); 200 whether or not the token was known',
    errors: {
      400: [['invalid_request', 'token is required']],
      401: CLIENT_REFUSALS,
      429: [RATE_LIMITED],
    },
  })
  @ApiBody({ type: TokenRequestWithToken })
  @ApiOkResponse({ description: 'Revoked, or nothing to revoke' })
  async revoke(@Body() body: unknown, @Req() request: FastifyRequest): Promise<void> {
    const parameters = parametersOf(body);
    // Client authentication is optional (a user's app revokes its own tokens), but presented credentials must be right.
    await this.clientAuthentication.optional(request, parameters);
    await this.revocation.revoke(parameters);
  }
}
