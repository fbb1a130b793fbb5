import { type GatehouseConfig, loadGatehouseConfig } from '@app/config';
import { embeddedPostgresInstalled, NO_EMBEDDED_POSTGRES, startEmbeddedPostgres } from '@app/database';

/** The validated configuration, or every problem on stderr and exit code 1. */
export function configOrExit(): GatehouseConfig {
  const result = loadGatehouseConfig();
  if (result.ok) return result.config;
  fail(result.problems.join('\n'));
}

export function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/**
 * Runs `work` against the configured PostgreSQL: `DATABASE_URL`, or the embedded cluster
 * (the one a running Gatehouse owns, or one started for this command and stopped after).
 */
export async function withDatabaseUrl<T>(config: GatehouseConfig, work: (url: string) => Promise<T>): Promise<T> {
  if (config.database.url !== undefined) return work(config.database.url);
  if (!(await embeddedPostgresInstalled())) fail(NO_EMBEDDED_POSTGRES);
  const embedded = await startEmbeddedPostgres(config.database.dataDir, { attach: true });
  try {
    return await work(embedded.url);
  } finally {
    await embedded.stop();
  }
}
