import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { BearerChallengeException, type PreparedResponse } from '@app/auth';
import { DomainError, type DomainErrorKind } from '@app/errors';

/** The one error shape every response uses. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

/** The one mapping of domain refusals to HTTP. */
const STATUS_OF: Readonly<Record<DomainErrorKind, HttpStatus>> = {
  invalid: HttpStatus.BAD_REQUEST,
  unauthenticated: HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  too_many_requests: HttpStatus.TOO_MANY_REQUESTS,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

/**
 * Turns every exception into `{ statusCode, error, message }`. Unexpected errors become a
 * bare 500: the details go to the log, never to the client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // The guard's rejections carry their response, serialised once.
    const prepared = exception instanceof BearerChallengeException ? exception.prepared : this.serialise(exception);
    reply.status(prepared.status).headers(prepared.headers).send(prepared.payload);
  }

  private serialise(exception: unknown): PreparedResponse {
    const { body, headers } = this.toResponse(exception);
    // Always JSON, whatever content type the route declared for its success responses.
    return {
      status: body.statusCode,
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify(body),
    };
  }

  private toResponse(exception: unknown): { body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof DomainError) {
      const statusCode = STATUS_OF[exception.kind];
      return { body: { statusCode, error: STATUS_CODES[statusCode]!, message: exception.message }, headers: { ...exception.headers } };
    }
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      const headers = (exception as HttpException & { headers?: Record<string, string> }).headers ?? {};
      return { body: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message }, headers };
    }
    // Fastify's own errors (body too large, malformed JSON) carry a 4xx statusCode.
    const statusCode = (exception as { statusCode?: number }).statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return {
        body: { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message: (exception as Error).message },
        headers: {},
      };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    const status = HttpStatus.INTERNAL_SERVER_ERROR;
    return { body: { statusCode: status, error: STATUS_CODES[status]!, message: 'Internal server error' }, headers: {} };
  }
}
