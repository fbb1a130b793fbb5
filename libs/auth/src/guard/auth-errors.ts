import { HttpException, HttpStatus } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { TokenRejection } from '../auth-metrics.js';

const REALM = 'Bearer realm="gatehouse"';

/** A whole response, ready to send. */
export interface PreparedResponse {
  status: number;
  headers: Record<string, string>;
  payload: string;
}

/** A 401/403 carrying the RFC 6750 `WWW-Authenticate` challenge; the error filter sends its headers. */
export class BearerChallengeException extends HttpException {
  /**
   * The response, built once: these exceptions are constant, and a flood of bad tokens gets
   * them again and again. Its body has the shape of every error response (`ErrorBody`).
   */
  readonly prepared: PreparedResponse;

  constructor(
    status: HttpStatus.UNAUTHORIZED | HttpStatus.FORBIDDEN,
    message: string,
    readonly headers: Record<string, string>,
  ) {
    super(message, status);
    this.prepared = {
      status,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message }),
    };
  }
}

function challenge(message: string, error?: 'invalid_token' | 'insufficient_scope'): BearerChallengeException {
  const status = error === 'insufficient_scope' ? HttpStatus.FORBIDDEN : HttpStatus.UNAUTHORIZED;
  const value = error ? `${REALM}, error="${error}", error_description="${message}"` : REALM;
  return new BearerChallengeException(status, message, { 'WWW-Authenticate': value });
}

/**
 * Every rejection the guard can give. They are constant, so they are built once: refusing a
 * flood of bad tokens then costs no stack capture per request.
 */
export const REJECTIONS: Readonly<Record<TokenRejection, BearerChallengeException>> = {
  missing: challenge('Missing Authorization header'),
  format: challenge('Invalid Authorization header format. Use: Bearer <token>', 'invalid_token'),
  invalid: challenge('Invalid token', 'invalid_token'),
  expired: challenge('Token expired', 'invalid_token'),
  issuer: challenge('Invalid issuer', 'invalid_token'),
  revoked: challenge('Token revoked', 'invalid_token'),
  audience: challenge('Invalid audience', 'insufficient_scope'),
};
