import { HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '@app/errors';
import type { TokenRefusal } from '../auth-metrics.js';

const REALM = 'Bearer realm="gatehouse"';

/** A whole response, ready to send. */
export interface PreparedResponse {
  status: number;
  headers: Record<string, string>;
  payload: string;
}

/** RFC 6750 section 3.1: each error code's status. */
const ERROR_STATUS = {
  invalid_request: HttpStatus.BAD_REQUEST,
  invalid_token: HttpStatus.UNAUTHORIZED,
  insufficient_scope: HttpStatus.FORBIDDEN,
};

function challenge(message: string, error?: keyof typeof ERROR_STATUS): PreparedResponse {
  const status = error === undefined ? HttpStatus.UNAUTHORIZED : ERROR_STATUS[error];
  const value = error ? `${REALM}, error="${error}", error_description="${message}"` : REALM;
  return {
    status,
    headers: { 'WWW-Authenticate': value, 'content-type': 'application/json; charset=utf-8' },
    payload: JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message }),
  };
}

/**
 * The 400/401/403 of every refusal, with its RFC 6750 `WWW-Authenticate` challenge (SPEC section
 * 3), built once: refusing a flood of bad tokens costs no serialisation per request.
 */
export const BEARER_CHALLENGES: Readonly<Record<TokenRefusal, PreparedResponse>> = {
  missing: challenge('Missing Authorization header'),
  format: challenge('Invalid Authorization header format. Use: Bearer <token>', 'invalid_token'),
  // Node keeps only the first of several; which one a proxy or a cache looked at is anyone's guess.
  duplicate: challenge('Multiple Authorization headers', 'invalid_request'),
  invalid: challenge('Invalid token', 'invalid_token'),
  expired: challenge('Token expired', 'invalid_token'),
  issuer: challenge('Invalid issuer', 'invalid_token'),
  revoked: challenge('Token revoked', 'invalid_token'),
  audience: challenge('Invalid audience', 'insufficient_scope'),
};

/**
 * 403 `Invalid audience` from a handler: the route admits the token, but not for what this
 * request asks (an agent's token asking to sign the user out everywhere).
 */
export class AudienceInsufficient extends DomainError {
  constructor() {
    super('forbidden', 'Invalid audience', { 'WWW-Authenticate': BEARER_CHALLENGES.audience.headers['WWW-Authenticate'] });
  }
}
