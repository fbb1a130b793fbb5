// Provides the medium and e2e suites with a real, migrated PostgreSQL, exported as GATEHOUSE_TEST_DATABASE_URL:
// - DATABASE_URL set: a fresh throwaway database on that server (dropped afterwards);
// - otherwise: an embedded PostgreSQL in a temporary directory (stopped and removed afterwards).
// Runs on plain Node against the compiled code (`npm test` builds first).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connectDataSource, dataSourceOptions, runMigrations, startEmbeddedPostgres } from '../dist/libs/database/src/index.js';

export default async function globalSetup() {
  const serverUrl = process.env.DATABASE_URL;
  let url;
  if (serverUrl) {
    const name = `gatehouse_e2e_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const target = new URL(serverUrl);
    target.pathname = `/${name}`;
    url = target.toString();
    globalThis.__gatehouseDropDatabase = { serverUrl, name };
    process.stdout.write(`\ne2e: PostgreSQL from DATABASE_URL, database ${name}\n`);
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-'));
    const embedded = await startEmbeddedPostgres(dataDir);
    url = embedded.url;
    globalThis.__gatehouseEmbedded = embedded;
    process.stdout.write(`\ne2e: embedded PostgreSQL in ${dataDir}\n`);
  }
  const dataSource = await connectDataSource(dataSourceOptions(url));
  await runMigrations(dataSource);
  await dataSource.destroy();
  process.env.GATEHOUSE_TEST_DATABASE_URL = url;
}
