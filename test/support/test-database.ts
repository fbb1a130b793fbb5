/** The migrated database the global setup prepared (embedded, or on DATABASE_URL's server). */
export function testDatabaseUrl(): string {
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL;
  if (!url) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set: run the medium and e2e tests through jest (global setup)');
  return url;
}
