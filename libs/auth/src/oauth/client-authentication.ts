import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { OAuthError } from '@app/errors';
import type { OAuthClient } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { clientAddress } from '../http/client-address.js';
import { AuthRateLimits } from '../http/rate-limit/auth-rate-limits.js';
import { type OAuthParameters, single } from './oauth-parameters.js';

const BASIC = /^Basic +([A-Za-z0-9+/]+={0,2})$/i;

export const CLIENT_AUTHENTICATION_FAILED = 'Client authentication failed';
export const CLIENT_AUTHENTICATION_REQUIRED = 'Client authentication is required (HTTP Basic, or client_id and client_secret in the body)';
export const BOTH_METHODS = 'Use one client authentication method: HTTP Basic or client_secret in the body, not both';
export const UNSUPPORTED_SCHEME = 'Client authentication must use HTTP Basic or client_secret_post';
export const MALFORMED_BASIC = 'Malformed HTTP Basic credentials';

/** What a request presents to authenticate its client. */
interface Credentials {
  id: string;
  secret: string;
}

/** RFC 6749 section 2.3.1: id and secret are form-encoded before they go into Basic. */
function formDecode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/**
 * Client authentication on the OAuth routes (RFC 6749 section 2.3.1): HTTP Basic
 * (`client_secret_basic`) or `client_id` and `client_secret` in the body
 * (`client_secret_post`), one of them. Failures are counted per client and address
 * (`AuthRateLimits.checkClient`); an address past LOGIN_MAX_FAILURES of them is refused.
 */
@Injectable()
export class ClientAuthentication {
  constructor(
    private readonly clients: ClientsService,
    private readonly limits: AuthRateLimits,
  ) {}

  /** The authenticated client; 401 `invalid_client` for wrong or missing credentials. */
  async require(request: FastifyRequest, parameters: OAuthParameters): Promise<OAuthClient> {
    const client = await this.optional(request, parameters);
    if (client === undefined) throw new OAuthError('invalid_client', CLIENT_AUTHENTICATION_REQUIRED);
    return client;
  }

  /**
   * The authenticated client, or undefined when the request presents no credentials (a
   * `client_id` alone identifies nobody: Gatehouse's clients are confidential). Credentials
   * that are presented must be right.
   */
  async optional(request: FastifyRequest, parameters: OAuthParameters): Promise<OAuthClient | undefined> {
    const credentials = readCredentials(request, parameters);
    if (credentials === undefined) return undefined;
    const attempt = await this.limits.checkClient(credentials.id, clientAddress(request));
    const client = await this.clients.authenticate(credentials.id, credentials.secret);
    if (client === null) {
      await attempt.failed();
      throw new OAuthError('invalid_client', CLIENT_AUTHENTICATION_FAILED);
    }
    return client;
  }
}

function readCredentials(request: FastifyRequest, parameters: OAuthParameters): Credentials | undefined {
  const header = request.headers.authorization;
  const postedId = single(parameters, 'client_id');
  const postedSecret = single(parameters, 'client_secret');
  if (header !== undefined && header !== '') {
    const match = BASIC.exec(header);
    if (match === null) throw new OAuthError('invalid_client', UNSUPPORTED_SCHEME);
    if (postedSecret !== undefined) throw new OAuthError('invalid_request', BOTH_METHODS);
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', MALFORMED_BASIC);
    let credentials: Credentials;
    try {
      credentials = { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
    } catch {
      throw new OAuthError('invalid_client', MALFORMED_BASIC);
    }
    if (postedId !== undefined && postedId !== credentials.id) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the HTTP Basic one');
    }
    return credentials;
  }
  if (postedSecret === undefined) return undefined;
  if (postedId === undefined) throw new OAuthError('invalid_request', 'client_id is required with client_secret');
  return { id: postedId, secret: postedSecret };
}
