import { createServer } from 'node:net';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { DatabaseUnavailable, databaseUnavailable, markConnectionFailure } from './database-errors.js';

/** An error as node-postgres reports a server's refusal: a message and a SQLSTATE. */
function serverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** The error node-postgres gives for a port nobody listens on. */
async function refusedConnection(): Promise<Error> {
  const port = await new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'nobody', database: 'none' });
  return client.connect().then(
    () => new Error('connected'),
    (error: Error) => error,
  );
}

describe('databaseUnavailable', () => {
  it('turns a refused connection into 503 with Retry-After', async () => {
    const unavailable = databaseUnavailable(await refusedConnection());
    expect(unavailable).toBeInstanceOf(DatabaseUnavailable);
    expect(unavailable).toMatchObject({
      kind: 'unavailable',
      message: 'The database is unavailable; retry in 5 seconds',
      headers: { 'Retry-After': '5' },
    });
  });

  it.each([
    [
      'a statement timeout, wrapped by TypeORM',
      new QueryFailedError('SELECT 1', [], serverError('57014', 'canceling statement due to statement timeout')),
    ],
    ['a server shutting down', serverError('57P01', 'terminating connection due to administrator command')],
    ['a server starting up', serverError('57P03', 'the database system is starting up')],
    ['a full server', serverError('53300', 'sorry, too many clients already')],
    ['a connection exception', serverError('08006', 'connection failure')],
    ['a dropped connection', new Error('Connection terminated unexpectedly')],
    ['a connection that took too long', new Error('Connection terminated due to connection timeout')],
    ['no free connection in time', new Error('timeout exceeded when trying to connect')],
    ['a statement with no answer', new QueryFailedError('SELECT 1', [], new Error('Query read timeout'))],
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['any failure to connect', markConnectionFailure(serverError('55000', 'database "x" is not currently accepting connections'))],
  ])('recognises %s', (_name, error) => {
    expect(databaseUnavailable(error)).toBeInstanceOf(DatabaseUnavailable);
  });

  it.each([
    ['a unique violation', new QueryFailedError('INSERT', [], serverError('23505', 'duplicate key value violates unique constraint'))],
    ['a syntax error', serverError('42601', 'syntax error at or near "SELEC"')],
    [
      'an object in the wrong state, outside connecting',
      serverError('55000', 'currval of sequence "s" is not yet defined in this session'),
    ],
    ['a programming error', new TypeError('Cannot read properties of undefined')],
    ['something that is not an error', 'Connection terminated'],
  ])('leaves %s alone', (_name, error) => {
    expect(databaseUnavailable(error)).toBeUndefined();
  });
});
