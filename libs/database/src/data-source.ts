import { DataSource, type DataSourceOptions } from 'typeorm';
import { describeConnectionError } from './database-errors.js';
import { MIGRATIONS } from './migrations/index.js';

/** Arbitrary constant naming Gatehouse's migration lock (pg_advisory_lock). */
const MIGRATION_LOCK_ID = 7_405_311_002;

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
    extra: { max: 20, connectionTimeoutMillis: 5000, application_name: 'gatehouse' },
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
