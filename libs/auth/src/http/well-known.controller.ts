import { Controller, Get, Header } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { JsonWebKey } from 'node:crypto';
import { HttpConfig, SecurityConfig } from '@app/config';
import { DomainError } from '@app/errors';
import { ApiEndpoint } from '@app/http-api';
import { Public } from '../access/route-access.decorators.js';
import { JWKS_MAX_AGE_SECONDS } from '../tokens/keys/signing-key-rotation.js';
import { SigningKeys } from '../tokens/keys/signing-keys.js';
import { TokenProvider } from '../tokens/token-provider.js';

/** 404 outside dev without `PUBLIC_URL`: the metadata's URLs would be guesses. */
export class PublicUrlNotSet extends DomainError {
  constructor() {
    super('not_found', 'Authorization server metadata is not available: set PUBLIC_URL to Gatehouse’s external base URL');
  }
}

/** The client authentication methods of the OAuth endpoints (SPEC section 6). */
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post'];

/** RFC 8414 authorization server metadata, as Gatehouse serves it. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri: string;
  token_endpoint: string;
  introspection_endpoint: string;
  revocation_endpoint: string;
  grant_types_supported: string[];
  token_endpoint_auth_methods_supported: string[];
  introspection_endpoint_auth_methods_supported: string[];
  revocation_endpoint_auth_methods_supported: string[];
  response_types_supported: string[];
}

/**
 * What a resource server needs to verify Gatehouse's tokens without its secret (SPEC section 5):
 * the public keys (JWKS, RFC 7517) and the authorization server metadata (RFC 8414).
 */
@ApiTags('keys')
@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(
    private readonly keys: SigningKeys,
    private readonly tokens: TokenProvider,
    private readonly security: SecurityConfig,
    private readonly http: HttpConfig,
    private readonly adapter: HttpAdapterHost,
  ) {}

  @Get('jwks.json')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`)
  @ApiEndpoint({
    operationId: 'getJwks',
    summary: 'The public keys that verify access tokens: every key a still-valid token may carry, and the next one (empty in HS256 mode)',
  })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['keys'],
      properties: { keys: { type: 'array', items: { type: 'object', required: ['kty', 'kid', 'use', 'alg'] } } },
    },
  })
  jwks(): { keys: JsonWebKey[] } {
    // Outside dev with the built-in secret nothing is accepted, so no key is published either.
    return { keys: this.tokens.enabled ? this.keys.jwks() : [] };
  }

  @Get('oauth-authorization-server')
  @ApiEndpoint({
    operationId: 'getAuthorizationServerMetadata',
    summary: 'Authorization server metadata (RFC 8414)',
    errors: { 404: PublicUrlNotSet },
  })
  @ApiOkResponse({ schema: { type: 'object', required: ['issuer', 'jwks_uri', 'token_endpoint', 'response_types_supported'] } })
  metadata(): AuthorizationServerMetadata {
    const base = this.http.publicUrl ?? (this.security.isDevelopment ? this.listeningUrl() : undefined);
    if (base === undefined) throw new PublicUrlNotSet();
    return {
      issuer: this.security.issuer,
      jwks_uri: `${base}/.well-known/jwks.json`,
      token_endpoint: `${base}/oauth/token`,
      introspection_endpoint: `${base}/oauth/introspect`,
      revocation_endpoint: `${base}/oauth/revoke`,
      grant_types_supported: ['client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange'],
      token_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      introspection_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      revocation_endpoint_auth_methods_supported: CLIENT_AUTH_METHODS,
      // Required by RFC 8414; Gatehouse has no authorization endpoint, so no response type.
      response_types_supported: [],
    };
  }

  /** Dev without PUBLIC_URL: `http://HOST:PORT` as Gatehouse listens (the port it got, for PORT=0). */
  private listeningUrl(): string {
    const address = (this.adapter.httpAdapter.getHttpServer() as { address(): AddressInfo | string | null }).address();
    const port = typeof address === 'object' && address !== null ? address.port : this.http.port;
    const host =
      this.http.host === '0.0.0.0'
        ? '127.0.0.1'
        : this.http.host === '::'
          ? '[::1]'
          : this.http.host.includes(':')
            ? `[${this.http.host}]`
            : this.http.host;
    return `http://${host}:${port}`;
  }
}
