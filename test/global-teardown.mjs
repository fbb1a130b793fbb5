import { rm } from 'node:fs/promises';
import pg from 'pg';

export default async function globalTeardown() {
  const drop = globalThis.__gatehouseDropDatabase;
  if (drop) {
    const admin = new pg.Client({ connectionString: drop.serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${drop.name} WITH (FORCE)`);
    await admin.end();
  }
  const embedded = globalThis.__gatehouseEmbedded;
  if (embedded) {
    await embedded.stop();
    await rm(embedded.dataDir, { recursive: true, force: true });
  }
}
