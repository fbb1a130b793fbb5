import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { BearerChallengeException, type PreparedResponse } from '@app/auth';

/** The one error shape every response uses. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
}

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
