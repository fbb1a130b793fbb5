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
