import { DataSource, type DataSourceOptions } from 'typeorm';
import { PooledClient } from './pooled-client.js';
import { describeConnectionError } from './database-errors.js';
import { MIGRATIONS } from './migrations/index.js';

/** Arbitrary constant naming Gatehouse's migration lock (pg_advisory_lock). */
const MIGRATION_LOCK_ID = 7_405_311_002;

/** A new connection, or a free one from a full pool, must come within this. */
export const CONNECTION_TIMEOUT_MS = 5000;
/** PostgreSQL cancels a statement of a serving process that runs longer than this. */
export const STATEMENT_TIMEOUT_MS = 5000;
/**
 * A statement of a serving process that gets no answer at all within this (a frozen server or
 * a cut network, which cannot cancel anything itself) fails, and its connection is closed.
 */
export const QUERY_TIMEOUT_MS = STATEMENT_TIMEOUT_MS + 2000;

/**
 * The pool's settings, without statement timeouts: what migrations and the command line use,
 * since a migration (or waiting for another instance's) may rightly take long.
 */
export function dataSourceOptions(url: string, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'gatehouse_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: 20, connectionTimeoutMillis: CONNECTION_TIMEOUT_MS, application_name: 'gatehouse' },
  };
}

/**
 * The pool of a serving process: no request waits on the database longer than the timeouts,
 * and a connection whose statement got no answer is closed rather than handed to the next one.
 */
export function servingDataSourceOptions(url: string): DataSourceOptions {
  const options = dataSourceOptions(url);
  return {
    ...options,
    extra: {
      ...(options.extra as object),
      statement_timeout: STATEMENT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      Client: PooledClient,
    },
  };
}

/** Connects, turning driver errors into a sentence an operator can act on. */
export async function connectDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource(options);
  try {
    await dataSource.initialize();
  } catch (error) {
    throw describeConnectionError((options as { url: string }).url, error);
  }
  return dataSource;
}

/**
 * Applies pending migrations, each in its own transaction. An advisory lock makes instances
 * that start together take turns instead of racing on the same migration.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    await lock.release();
  }
}
