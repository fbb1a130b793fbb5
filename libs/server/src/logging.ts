import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Logger as Pino, pino } from 'pino';
import type { GatehouseConfig } from '@app/config';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Fastify's request id (and so the access log's `req.id`): the caller's X-Request-Id when it
 * is sane, else a new UUID. The bootstrap returns it in the X-Request-Id response header.
 */
export function requestId(request: Pick<IncomingMessage, 'headers'>): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Never in a log line: passwords, tokens, secrets, Authorization or Cookie headers, at the
 * places a log call would put them (pino's wildcards match one level down, so request and
 * response headers are named). The access log is built from an allow-list and holds none.
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
  '*.cookie',
];

/** The process's one pino logger: JSON lines in production, readable lines in dev. */
export function createRootLogger(config: GatehouseConfig): Pino {
  return pino({
    level: config.http.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    transport: config.security.isDevelopment
      ? { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }
      : undefined,
  });
}

/**
 * Nest (`ExceptionHandler`, `NestApplication` on listen) and TypeORM (`TypeOrmModule`) log a
 * failed start-up with a stack trace; Gatehouse reports those failures itself, in one clear
 * sentence, so their error lines are left out.
 */
const STARTUP_FAILURE_CONTEXTS = new Set(['ExceptionHandler', 'NestApplication', 'TypeOrmModule']);
/**
 * Nest's start-up chatter, one line per module and route, and its "Starting Nest application" and
 * "successfully started" (Gatehouse says where it listens): kept for `debug`.
 */
const CHATTY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory', 'NestApplication']);

/** Nest's log calls (`message`, optional stack, context last) as pino lines, from the first line. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly pino: Pino) {}

  log(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context !== undefined && CHATTY_CONTEXTS.has(context)) this.pino.debug({ context }, String(message));
    else this.pino.info({ context }, String(message));
  }

  error(message: unknown, ...rest: unknown[]): void {
    const context = contextOf(rest);
    if (context !== undefined && STARTUP_FAILURE_CONTEXTS.has(context)) return;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) this.pino.error({ context, err: message }, message.message);
    else this.pino.error({ context, stack }, String(message));
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.pino.warn({ context: contextOf(rest) }, String(message));
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.pino.debug({ context: contextOf(rest) }, String(message));
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.pino.trace({ context: contextOf(rest) }, String(message));
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.pino.fatal({ context: contextOf(rest) }, String(message));
  }
}

function contextOf(rest: unknown[]): string | undefined {
  const last = rest.at(-1);
  return typeof last === 'string' ? last : undefined;
}

/** Health probes and metrics scrapes: left out of the access log when `LOG_PROBE_REQUESTS=false`. */
const PROBE_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/**
 * The access log's own logger. Its lines are built from an allow-list, so it needs no redaction
 * (pino's redaction clones every logged object, and was the largest part of a line's cost);
 * in production its lines are buffered and written 4 kB at a time rather than one write per
 * request (pino flushes the buffer when the process exits or is signalled). In dev, the root
 * logger's readable lines.
 */
function accessLogger(config: GatehouseConfig, root: Pino): Pino {
  if (config.security.isDevelopment) return root;
  return pino({ level: config.http.logLevel }, pino.destination({ dest: 1, sync: false, minLength: 4096 }));
}

/**
 * The access log: one line per request, written when the response has gone, from a Fastify
 * hook (no per-request child logger, no async context, no middleware), with an allow-list of
 * fields: request id, method, path without its query, client address, status, time taken.
 */
export function logRequests(fastify: FastifyInstance, config: GatehouseConfig, root: Pino): void {
  // Below `info`, only failures (5xx, at `error`) are logged; at `silent`, nothing.
  if (!root.isLevelEnabled('error')) return;
  const logger = accessLogger(config, root);
  const everyRequest = logger.isLevelEnabled('info');
  const skipProbes = !config.http.logProbeRequests;
  fastify.addHook('onResponse', (request, reply, done) => {
    const failed = reply.statusCode >= 500;
    if (!failed && (!everyRequest || (skipProbes && PROBE_ROUTES.has(request.routeOptions.url ?? '')))) return done();
    const entry = {
      req: { id: request.id, method: request.method, path: request.url.split('?', 1)[0], remoteAddress: request.ip },
      res: { statusCode: reply.statusCode },
      responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
    };
    if (failed) logger.error(entry, 'request completed');
    else logger.info(entry, 'request completed');
    done();
  });
}
