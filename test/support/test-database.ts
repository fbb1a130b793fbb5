import pg from 'pg';

/** The migrated database the global setup prepared (embedded, or on DATABASE_URL's server). */
export function testDatabaseUrl(): string {
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL;
  if (!url) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set: run the medium and e2e tests through jest (global setup)');
  return url;
}

/**
 * Runs `work` on a connection of its own to the test database (or `url`), closed afterwards
 * whatever happens. A connection the server ends (a test that cuts a database off, the end of
 * the run) emits 'error', which would crash Jest without a listener: the query in progress, if
 * any, fails with it anyway.
 */
export async function withDatabaseClient<T>(work: (client: pg.Client) => Promise<T>, url = testDatabaseUrl()): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
