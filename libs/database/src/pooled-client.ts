import pg from 'pg';
import { markConnectionFailure } from './database-errors.js';

type ConnectCallback = (error: Error | null) => void;

/**
 * The connections of a serving process's pool (node-postgres' `Client`, given to the pool):
 * - a failure to connect is marked as such, so it answers 503 whatever the server's reason;
 * - a connection whose statement gets no answer within the query timeout closes itself. The
 *   statement may still be running on the server and a transaction it belongs to may still be
 *   open (its ROLLBACK would only queue behind it), so the connection must never serve another
 *   request: once closed, the pool discards it when it is released.
 */
export class PooledClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const connect = this.connect.bind(this) as (callback?: ConnectCallback) => Promise<void> | undefined;
    this.connect = ((callback?: ConnectCallback) => {
      // pg-pool connects with a callback; anyone else gets the promise.
      if (callback !== undefined) return connect((error) => callback(error && markConnectionFailure(error)));
      return (connect() as Promise<void>).catch((error: Error) => {
        throw markConnectionFailure(error);
      });
    }) as pg.Client['connect'];

    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((...args: unknown[]) => {
      const result = query(...args);
      // TypeORM uses the promise form; pg-pool's own `pool.query` already discards a client
      // whose query failed.
      if (result instanceof Promise) {
        result.catch((error: unknown) => {
          if (error instanceof Error && error.message === 'Query read timeout') void this.end().catch(() => undefined);
        });
      }
      return result;
    }) as pg.Client['query'];
  }
}
