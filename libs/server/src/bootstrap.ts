import { type DynamicModule, Logger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ConfigValidationError, type GatehouseConfig, loadGatehouseConfig, prepareDevelopmentMode, type TrustedProxies } from '@app/config';
import {
  DatabaseStartupError,
  type EmbeddedDatabase,
  embeddedPostgresInstalled,
  NO_EMBEDDED_POSTGRES,
  startEmbeddedPostgres,
} from '@app/database';
import { acceptFormBodiesOnOAuthRoutes } from './form-body.js';
import { acceptJsonBodiesOnly } from './json-body.js';
import { createRootLogger, logRequests, PinoLoggerService, requestId } from './logging.js';
import { setUpOpenApi } from './openapi.js';

/** Request bodies above this are answered 413 (SPEC section 3). */
export const BODY_LIMIT_BYTES = 100 * 1024;
/** How long shutdown waits for in-flight requests before giving up on them. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** A request must arrive whole within this time; idle keep-alive connections close after the next. */
const REQUEST_TIMEOUT_MS = 30_000;
const KEEP_ALIVE_TIMEOUT_MS = 72_000;

/** An operator error at start-up whose message says everything; printed without a stack. */
export class StartupError extends Error {}

export interface RunningPlatform {
  readonly app: NestFastifyApplication;
  /** Base URL the HTTP server listens on. */
  readonly url: string;
  readonly databaseUrl: string;
  /** Stops accepting, finishes in-flight requests, closes the pool, stops the embedded database. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  logger?: LoggerService | false;
}

/** The application's root module, once the PostgreSQL to use is known. */
export type RootModuleFactory = (databaseUrl: string, config: GatehouseConfig) => DynamicModule;

/** Starts Gatehouse: the embedded PostgreSQL when no `DATABASE_URL`, then the HTTP server. */
export async function createPlatform(
  rootModule: RootModuleFactory,
  config: GatehouseConfig,
  options: PlatformOptions = {},
): Promise<RunningPlatform> {
  const root = createRootLogger(config);
  // JSON (in production) from the very first line; tests pass their own logger.
  Logger.overrideLogger(options.logger ?? new PinoLoggerService(root));
  const logger = new Logger('Gatehouse');
  for (const warning of config.warnings) logger.warn(warning);
  if (config.envFile !== undefined) logger.log(`Settings read from ${config.envFile} (the environment wins over it)`);
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.database.url;
  if (databaseUrl === undefined) {
    if (!(await embeddedPostgresInstalled())) throw new StartupError(NO_EMBEDDED_POSTGRES);
    logger.log(`Starting the embedded PostgreSQL in ${config.database.dataDir}`);
    embedded = await startEmbeddedPostgres(config.database.dataDir);
    databaseUrl = embedded.url;
    logger.log(`Embedded PostgreSQL is listening on 127.0.0.1:${embedded.port}`);
  }

  let app: NestFastifyApplication | undefined;
  try {
    app = await NestFactory.create<NestFastifyApplication>(
      rootModule(databaseUrl, config),
      new FastifyAdapter({
        bodyLimit: BODY_LIMIT_BYTES,
        trustProxy: fastifyTrustProxy(config.http.trustProxy),
        requestTimeout: REQUEST_TIMEOUT_MS,
        keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
        genReqId: requestId,
      }),
      // Nest's own parsers give way to one hardened JSON parser, and a form parser for the OAuth routes alone.
      { logger: options.logger ?? new PinoLoggerService(root), abortOnError: false, bodyParser: false },
    );
    acceptJsonBodiesOnly(app.getHttpAdapter().getInstance());
    acceptFormBodiesOnOAuthRoutes(app.getHttpAdapter().getInstance());
    logRequests(app.getHttpAdapter().getInstance(), config, root);
    drainOnClose(app);
    configureHttp(app, config);
    await listen(app, config);
  } catch (error) {
    await app?.close().catch(() => undefined);
    await embedded?.stop();
    throw error;
  }

  const url = await app.getUrl();
  logger.log(`Gatehouse is listening on ${url} (${config.security.isDevelopment ? 'development' : 'production'} mode)`);
  const running = app;
  let closing: Promise<void> | undefined;
  return {
    app: running,
    url,
    databaseUrl,
    close: () =>
      (closing ??= (async () => {
        await running.close();
        await embedded?.stop();
      })()),
  };
}

/**
 * Closing the HTTP server stops accepting connections and closes the idle ones, then waits for
 * the others. A connection whose request was in flight would stay open after its answer (keep-
 * alive) and hold the shutdown up: its answer says `Connection: close`, and what becomes idle
 * while draining is closed.
 */
function drainOnClose(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  let draining = false;
  fastify.addHook('preClose', (done) => {
    draining = true;
    const sweep = setInterval(() => fastify.server.closeIdleConnections(), 250);
    sweep.unref();
    fastify.server.once('close', () => clearInterval(sweep));
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('Connection', 'close');
    done(null, payload);
  });
}

/**
 * TRUST_PROXY as Fastify's `trustProxy`. A hop count becomes a function: Fastify 5 turns a bare
 * number into "trust nothing", since a count cannot tell the proxy from a client that reaches
 * Gatehouse directly (which is why a list of proxy addresses is the safer setting).
 */
function fastifyTrustProxy(trusted: TrustedProxies): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trusted === false) return false;
  if (typeof trusted === 'number') return (_address, hop) => hop < trusted;
  return [...trusted];
}

/** Security headers, CORS from CORS_ORIGINS, and the OpenAPI routes. */
function configureHttp(app: NestFastifyApplication, config: GatehouseConfig): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      reply.header('X-Request-Id', request.id);
      done();
    });
  // NestJS's own security headers: helmet 8's set, resolved once at start-up (@fastify/helmet
  // re-parsed its policy on every request, measured at ~9 µs each).
  app.useSecurityHeaders({
    // Swagger UI at /docs needs inline styles and scripts; everything else is JSON.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        // helmet's default upgrade-insecure-requests sends /docs's own assets to https:// when
        // the page came over plain HTTP (any host but localhost): a blank page. Behind TLS the
        // assets are fetched over https:// anyway, as their URLs are relative.
        upgradeInsecureRequests: null,
      },
    },
  });
  const origins = config.http.corsOrigins;
  if (origins.length > 0) {
    app.enableCors({
      origin: origins.includes('*') ? '*' : [...origins],
      methods: ['GET', 'POST', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After', 'WWW-Authenticate'],
      maxAge: 600,
    });
  }
  setUpOpenApi(app, config);
}

/** Listening on port 0 is tried this many times. */
const ANY_PORT_ATTEMPTS = 5;

async function listen(app: NestFastifyApplication, config: GatehouseConfig): Promise<void> {
  const { port, host } = config.http;
  try {
    await listenRetryingAnyPort(app, port, host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(`PORT: ${host}:${port} is already in use; stop what uses it or set PORT to a free port`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new StartupError(`HOST: cannot listen on ${host} (${code}); allowed: an address of this machine`);
    }
    throw error;
  }
}

/**
 * PORT=0 (any free port, as tests use): Linux may hand `bind` a port that an outgoing connection
 * of the same address uses, and `listen` then fails with EADDRINUSE, seen under load. Another
 * free port is as good, so it tries again; a port chosen by the operator is not retried.
 */
export async function listenRetryingAnyPort(
  app: { listen(port: number, host: string): Promise<unknown> },
  port: number,
  host: string,
  attempts = ANY_PORT_ATTEMPTS,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await app.listen(port, host);
      return;
    } catch (error) {
      if (port !== 0 || attempt >= attempts || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}

/**
 * `gatehouse start`: validates the configuration (every problem at once, exit 1), starts the
 * platform, and shuts it down gracefully on SIGINT or SIGTERM. `dev` (`gatehouse start --dev`,
 * `npm run dev`): development mode, written to `.env` when nothing sets PLATFORM_ENV, refused
 * when the settings say production.
 */
export async function runPlatform(rootModule: RootModuleFactory, { dev = false }: { dev?: boolean } = {}): Promise<void> {
  if (dev) {
    const { problem, created } = prepareDevelopmentMode();
    if (problem !== undefined) exitWithProblems([problem]);
    if (created !== undefined) {
      process.stderr.write(`Created ${created} with PLATFORM_ENV=dev: development mode, for the gatehouse commands run here too\n`);
    }
  }
  const result = loadGatehouseConfig();
  if (!result.ok) exitWithProblems([...result.problems, ...result.warnings.map((warning) => `warning: ${warning}`)]);
  const config = result.config;
  const logger = new Logger('Gatehouse');

  let platform: RunningPlatform;
  try {
    platform = await createPlatform(rootModule, config);
  } catch (error) {
    exitWithProblems([describeStartupFailure(error)]);
  }

  let signalled = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger.log(`Received ${signal}; finishing in-flight requests and shutting down`);
    const timer = setTimeout(() => {
      logger.error(`Shutdown took longer than ${SHUTDOWN_TIMEOUT_MS} ms; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    platform.close().then(
      () => {
        logger.log('Stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`Shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

export function describeStartupFailure(error: unknown): string {
  if (error instanceof ConfigValidationError) return error.problems.join('\n');
  if (error instanceof DatabaseStartupError || error instanceof StartupError) return error.message;
  return `Gatehouse could not start: ${error instanceof Error ? error.message : String(error)}`;
}

function exitWithProblems(problems: readonly string[]): never {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
