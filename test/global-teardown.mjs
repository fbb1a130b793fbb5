import pg from 'pg';
import { closeScratchArea } from './support/scratch-area.mjs';

export default async function globalTeardown() {
  try {
    await stopTestDatabase();
  } finally {
    closeScratchArea();
  }
}

/** Drops the throwaway database, or stops the embedded PostgreSQL (its files go with the scratch area). */
export async function stopTestDatabase() {
  const drop = globalThis.__gatehouseDropDatabase;
  const embedded = globalThis.__gatehouseEmbedded;
  globalThis.__gatehouseDropDatabase = undefined;
  globalThis.__gatehouseEmbedded = undefined;
  if (drop) await adminQuery(drop.serverUrl, `DROP DATABASE IF EXISTS ${drop.name} WITH (FORCE)`);
  if (embedded) await embedded.stop();
}

/** One statement on a connection of its own, closed whatever happens. */
export async function adminQuery(url, sql) {
  const admin = new pg.Client({ connectionString: url });
  // The server may end the connection (it is being stopped): an 'error' event with no listener would crash Jest.
  admin.on('error', () => undefined);
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
