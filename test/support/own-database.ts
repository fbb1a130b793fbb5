import { randomBytes } from 'node:crypto';
import { connectDataSource, dataSourceOptions, runMigrations } from '@app/database';
import { testDatabaseUrl, withDatabaseClient } from './test-database.js';

/** What `useOwnDatabase` hands the tests of a file. */
export interface OwnDatabase {
  /** The URL of the file's migrated database. */
  readonly url: string;
}

/**
 * A migrated database of the file's own, on the test server, made before its tests and dropped
 * after: for tests of what every instance shares (the signing keys), which other files running
 * at the same time must not change under them.
 */
export function useOwnDatabase(label: string): OwnDatabase {
  const name = `gatehouse_${label}_${randomBytes(4).toString('hex')}`;
  const target = new URL(testDatabaseUrl());
  target.pathname = `/${name}`;
  const url = target.toString();
  beforeAll(async () => {
    await withDatabaseClient((client) => client.query(`CREATE DATABASE ${name}`));
    const dataSource = await connectDataSource(dataSourceOptions(url));
    try {
      await runMigrations(dataSource);
    } finally {
      await dataSource.destroy();
    }
  });
  afterAll(async () => {
    await withDatabaseClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  return { url };
}
