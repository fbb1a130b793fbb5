import { DomainError } from '@app/errors';

/**
 * A database problem the operator can fix (unreachable server, unusable data directory).
 * Its message is complete and printed as it is, without a stack trace.
 */
export class DatabaseStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseStartupError';
  }
}

/** Turns a driver error on connect into a sentence naming the server and what to check. */
export function describeConnectionError(url: string, error: unknown): DatabaseStartupError {
  const { host, port, database } = describeUrl(url);
  const where = `PostgreSQL at ${host}:${port}/${database}`;
  const code = (error as { code?: string }).code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused; is it running?',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'connection timed out',
    EHOSTUNREACH: 'host unreachable',
    '28P01': 'password authentication failed',
    '28000': 'access denied for this user',
    '3D000': 'the database does not exist',
  };
  const reason = (code && reasons[code]) ?? (error instanceof Error ? error.message : String(error));
  return new DatabaseStartupError(`Cannot connect to ${where} (${reason}); check DATABASE_URL`);
}

/** Host, port and database of a connection string, never its password. */
export function describeUrl(url: string): { host: string; port: string; database: string } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port || '5432', database: parsed.pathname.slice(1) || 'postgres' };
}

/** What a client is told to wait before retrying while the database is unavailable. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** 503 with `Retry-After`: the database could not be reached or did not answer in time. */
export class DatabaseUnavailable extends DomainError {
  constructor() {
    super('unavailable', `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`, {
      'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS),
    });
  }
}

const CONNECTION_FAILURE = Symbol('connection failure');

/** What the classification reads of an error and of the errors it wraps. */
interface ErrorLike {
  code?: unknown;
  message?: unknown;
  errors?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/** Marks an error as a failure to open a connection, whatever the server's reason (refused, starting up, not accepting connections to this database). */
export function markConnectionFailure(error: Error): Error {
  Object.defineProperty(error, CONNECTION_FAILURE, { value: true });
  return error;
}

/** Socket errors: the server is down, unreachable, or dropped the connection. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/**
 * SQLSTATEs of a server that cannot serve now: class 08 (connection exception), 53300 (too many
 * connections), 57014 (statement timeout), 57P01–57P03 (shutting down, crashed, starting up).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53300|57014|57P0[123])$/;
/** node-postgres's own errors for a connection that broke, could not be made, or got no answer. */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Query read timeout$/,
  /is not queryable$/,
  /^Cannot use a pool after calling end on the pool$/,
];

/**
 * The one place that tells a database outage from a problem with the query: a driver error
 * (TypeORM wraps it as `driverError`) that means the database could not be reached, dropped
 * the connection, refused a new one (for whatever reason), or did not answer within the timeouts
 * becomes `DatabaseUnavailable`; anything else gives undefined.
 */
export function databaseUnavailable(error: unknown): DatabaseUnavailable | undefined {
  // Duck-typed: errors from Node's sockets may come from another realm than this module's Error.
  let cause = error as ErrorLike | undefined;
  for (let depth = 0; typeof cause === 'object' && cause !== null && depth < 5; depth++) {
    if (CONNECTION_FAILURE in cause) return new DatabaseUnavailable();
    const { code, message, errors } = cause;
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return new DatabaseUnavailable();
    if (typeof message === 'string' && DRIVER_MESSAGES.some((pattern) => pattern.test(message))) return new DatabaseUnavailable();
    // A connection to a name with several addresses fails with every address's error.
    if (Array.isArray(errors) && errors.some((inner) => databaseUnavailable(inner) !== undefined)) return new DatabaseUnavailable();
    cause = (cause.driverError ?? cause.cause) as ErrorLike | undefined;
  }
  return undefined;
}
