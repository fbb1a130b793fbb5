import { HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { DomainError } from '@app/errors';
import type { Audience } from '@app/config';
import type { TokenRefusal } from '../auth-metrics.js';

const REALM = 'Bearer realm="gatehouse"';

/** A whole response, ready to send. */
export interface PreparedResponse {
  status: number;
  headers: Record<string, string>;
  payload: string;
  /** The payload's message (for the OpenAPI document). */
  message: string;
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
    message,
  };
}

/** The refusals whose answer is the same on every route (an audience refusal names the route's audiences). */
export type RouteIndependentRefusal = Exclude<TokenRefusal, 'audience'>;

/**
 * The 400/401 of every refusal but the audience's, with its RFC 6750 `WWW-Authenticate`
 * challenge (SPEC section 3), built once: refusing a flood of bad tokens costs no serialisation
 * per request.
 */
export const BEARER_CHALLENGES: Readonly<Record<RouteIndependentRefusal, PreparedResponse>> = {
  missing: challenge('Missing Authorization header'),
  format: challenge('Invalid Authorization header format. Use: Bearer <token>', 'invalid_token'),
  // Node keeps only the first of several; which one a proxy or a cache looked at is anyone's guess.
  duplicate: challenge('Multiple Authorization headers', 'invalid_request'),
  invalid: challenge('Invalid token', 'invalid_token'),
  expired: challenge('Token expired', 'invalid_token'),
  issuer: challenge('Invalid issuer', 'invalid_token'),
  revoked: challenge('Token revoked', 'invalid_token'),
  // A client's own token (client credentials) on a route that acts for a user.
  client: challenge("A client's own token cannot be used here: this route acts for a user", 'insufficient_scope'),
};

/**
 * SPEC section 3's `Invalid audience`, followed by what would have been accepted, e.g.
 * `Invalid audience: this route accepts web, api`.
 */
export function invalidAudienceMessage(accepted: readonly Audience[], what = 'this route'): string {
  return accepted.length === 0
    ? `Invalid audience: ${what} accepts no audience this deployment serves`
    : `Invalid audience: ${what} accepts ${accepted.join(', ')}`;
}

/**
 * The 403 `insufficient_scope` refusal of a route that accepts these audiences. Built once per
 * route at start-up (`RouteAccessTable`), like the other challenges.
 */
export function audienceChallenge(accepted: readonly Audience[]): PreparedResponse {
  return challenge(invalidAudienceMessage(accepted), 'insufficient_scope');
}

/**
 * 403 `Invalid audience` from a handler: the route admits the token, but not for what this
 * request asks (an agent's token asking to sign the user out everywhere). `what` names the
 * request, as in `Invalid audience: scope=global accepts web, api`.
 */
export class AudienceInsufficient extends DomainError {
  constructor(what: string, accepted: readonly Audience[]) {
    const message = invalidAudienceMessage(accepted, what);
    super('forbidden', message, { 'WWW-Authenticate': challenge(message, 'insufficient_scope').headers['WWW-Authenticate'] });
  }
}
