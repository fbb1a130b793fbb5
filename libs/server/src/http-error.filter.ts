import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { databaseUnavailable } from '@app/database';
import {
  CLIENT_CHALLENGE,
  DomainError,
  type DomainErrorKind,
  type ErrorResponse,
  OAuthError,
  type OAuthErrorResponse,
  oauthCodeForStatus,
} from '@app/errors';
import { isOAuthRoute, OAUTH_BODIES_ONLY } from '@app/http-api';
import { JSON_BODIES_ONLY } from './json-body.js';

/** The one mapping of domain refusals to HTTP statuses. */
const STATUS_OF: Readonly<Record<DomainErrorKind, HttpStatus>> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  unsupported_media_type: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  too_many_requests: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

interface ErrorAnswer {
  body: ErrorResponse;
  headers: Readonly<Record<string, string>>;
}

/**
 * Turns every exception into `{ statusCode, error, message }`: domain errors by their kind,
 * Nest's HTTP exceptions (validation, parameter pipes) by their status, Fastify's own 4xx
 * (body too large, malformed JSON) as they are, its 415 (a body that is not JSON) with the
 * message that says what is accepted, and a database that cannot be reached or did not answer
 * in time as 503 with `Retry-After`. Anything else is a bare 500: the details go to the log,
 * never to the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { body, headers } = this.answer(exception);
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>().status(body.statusCode);
    // Always JSON, whatever content type the route declared for its success responses.
    if (isOAuthRoute(http.getRequest<FastifyRequest>())) {
      const oauth = oauthAnswer(exception, body);
      reply.headers({ ...headers, ...oauth.headers, 'content-type': 'application/json; charset=utf-8' }).send(JSON.stringify(oauth.body));
      return;
    }
    reply.headers({ ...headers, 'content-type': 'application/json; charset=utf-8' }).send(JSON.stringify(body));
  }

  private answer(exception: unknown): ErrorAnswer {
    if (exception instanceof DomainError) return answer(STATUS_OF[exception.kind], exception.message, exception.headers);
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      const status: HttpStatus = exception.getStatus();
      return answer(status, status === HttpStatus.UNSUPPORTED_MEDIA_TYPE ? JSON_BODIES_ONLY : message);
    }
    const statusCode = (exception as { statusCode?: unknown }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return answer(statusCode, (exception as Error).message);
    const unavailable = databaseUnavailable(exception);
    if (unavailable !== undefined) {
      this.logger.warn(`Database unavailable: ${exception instanceof Error ? exception.message : String(exception)}`);
      return answer(STATUS_OF[unavailable.kind], unavailable.message, unavailable.headers);
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return answer(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}

/**
 * The same refusal on an OAuth route (SPEC section 6): `{error, error_description}` (RFC 6749
 * section 5.2), the code an `OAuthError` names or the one its status implies, never cached, and
 * a 401 always challenges for the client's credentials (`WWW-Authenticate: Basic`).
 */
function oauthAnswer(exception: unknown, body: ErrorResponse): { body: OAuthErrorResponse; headers: Record<string, string> } {
  const code = exception instanceof OAuthError ? exception.code : oauthCodeForStatus(body.statusCode);
  const description = body.statusCode === 415 ? OAUTH_BODIES_ONLY : Array.isArray(body.message) ? body.message.join('; ') : body.message;
  const headers: Record<string, string> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
  if (body.statusCode === 401) headers['WWW-Authenticate'] = CLIENT_CHALLENGE;
  return { body: { error: code, error_description: description }, headers };
}

function answer(statusCode: number, message: string | string[], headers: Readonly<Record<string, string>> = {}): ErrorAnswer {
  return { body: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message }, headers };
}
