import { Module, RequestMethod } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { LoggerModule } from 'nestjs-pino';
import { HttpConfig, SecurityConfig } from '@app/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's request id (and so every log line's `req.id`): the caller's X-Request-Id when it
 * is sane, else a new UUID. The bootstrap returns it in the X-Request-Id response header.
 */
export function requestId(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Never in a log line: passwords, tokens, secrets, Authorization or Cookie headers. Requests
 * are logged by an allow-list serializer (method, path without query, client address), and
 * these paths are redacted as well, wherever a log call puts them.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  '*.authorization',
];

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [HttpConfig, SecurityConfig],
      useFactory: (http: HttpConfig, security: SecurityConfig) => ({
        // The package's default route pattern does not match on NestJS 12's Fastify adapter.
        forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        pinoHttp: {
          level: http.logLevel,
          // JSON in production; readable lines in dev.
          transport: security.isDevelopment
            ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
            : undefined,
          redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
          serializers: {
            req: (request: { id: string; method: string; url: string; remoteAddress?: string }) => ({
              id: request.id,
              method: request.method,
              path: request.url.split('?')[0],
              remoteAddress: request.remoteAddress,
            }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
          },
          customLogLevel: (_request: unknown, response: { statusCode: number }, error?: Error) =>
            error || response.statusCode >= 500 ? 'error' : 'info',
        },
      }),
    }),
  ],
})
export class LoggingModule {}
