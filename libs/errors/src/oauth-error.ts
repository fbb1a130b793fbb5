import { ApiProperty } from '@nestjs/swagger';
import { DomainError } from './domain-error.js';

/**
 * The error codes of the OAuth routes (RFC 6749 section 5.2, RFC 8707 and RFC 8693's
 * `invalid_target`, RFC 6749 section 4.1.2.1's `temporarily_unavailable` and `server_error`).
 */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'temporarily_unavailable'
  | 'server_error';

/** The challenge of an `invalid_client` answer (RFC 6749 section 5.2: 401 with the scheme the client may use). */
export const CLIENT_CHALLENGE = 'Basic realm="gatehouse"';

/**
 * A refusal of an OAuth route, answered `{error, error_description}`: `invalid_client` is 401
 * with `WWW-Authenticate: Basic`, every other code 400.
 */
export class OAuthError extends DomainError {
  constructor(
    readonly code: OAuthErrorCode,
    description: string,
  ) {
    super(
      code === 'invalid_client' ? 'unauthenticated' : 'invalid',
      description,
      code === 'invalid_client' ? { 'WWW-Authenticate': CLIENT_CHALLENGE } : {},
    );
  }
}

/** The error body of the OAuth routes (RFC 6749 section 5.2), and its OpenAPI schema. */
export class OAuthErrorResponse {
  @ApiProperty({ example: 'invalid_request' }) error: OAuthErrorCode;
  @ApiProperty({ example: 'grant_type is required' }) error_description: string;
}

/** The code an OAuth route answers a refusal with that is not an `OAuthError` (the body's, a rate limit's), by its status. */
export function oauthCodeForStatus(status: number): OAuthErrorCode {
  if (status === 401) return 'invalid_client';
  if (status === 429 || status === 503) return 'temporarily_unavailable';
  if (status >= 500) return 'server_error';
  return 'invalid_request';
}
