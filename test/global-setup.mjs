// Provides the medium and e2e suites with a real, migrated PostgreSQL, exported as GATEHOUSE_TEST_DATABASE_URL:
// - DATABASE_URL set: a fresh throwaway database on that server (dropped afterwards);
// - otherwise: an embedded PostgreSQL in the run's scratch area (stopped and removed afterwards,
//   also when this setup fails half-way or the run crashes).
// Runs on plain Node against the compiled code (`npm test` builds first).
import { join } from 'node:path';
import { connectDataSource, dataSourceOptions, runMigrations, startEmbeddedPostgres } from '../dist/libs/database/src/index.js';
import { closeScratchArea, openScratchArea } from './support/scratch-area.mjs';
import { adminQuery, stopTestDatabase } from './global-teardown.mjs';

export default async function globalSetup() {
  const scratch = openScratchArea();
  try {
    const url = await startTestDatabase(scratch);
    const dataSource = await connectDataSource(dataSourceOptions(url));
    try {
      await runMigrations(dataSource);
    } finally {
      await dataSource.destroy();
    }
    process.env.GATEHOUSE_TEST_DATABASE_URL = url;
  } catch (error) {
    // Jest runs no teardown after a failed setup.
    try {
      await stopTestDatabase();
    } finally {
      closeScratchArea();
    }
    throw error;
  }
}

async function startTestDatabase(scratch) {
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    const name = `gatehouse_e2e_${process.pid}_${Date.now()}`;
    await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
    globalThis.__gatehouseDropDatabase = { serverUrl, name };
    process.stdout.write(`\ne2e: PostgreSQL from DATABASE_URL, database ${name}\n`);
    const target = new URL(serverUrl);
    target.pathname = `/${name}`;
    return target.toString();
  }
  const embedded = await startEmbeddedPostgres(join(scratch, 'database'));
  globalThis.__gatehouseEmbedded = embedded;
  process.stdout.write(`\ne2e: embedded PostgreSQL in ${embedded.dataDir}\n`);
  return embedded.url;
}
