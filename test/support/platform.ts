import type { LoggerService } from '@nestjs/common';
import { type Environment, loadGatehouseConfigOrThrow } from '@app/config';
import { createPlatform, type RunningPlatform } from '@app/server';
import { AppModule } from '../../apps/platform/src/app.module.js';

/** The migrated database the global setup prepared (embedded, or on DATABASE_URL's server). */
export function testDatabaseUrl(): string {
  const url = process.env.GATEHOUSE_TEST_DATABASE_URL;
  if (!url) throw new Error('GATEHOUSE_TEST_DATABASE_URL is not set: run the e2e tests through jest (global setup)');
  return url;
}

/**
 * Dev mode, the test database, a free port, a cheap bcrypt cost and a per-address limit that
 * functional tests never reach (the rate-limit tests set their own), unless overridden.
 */
export function testEnvironment(overrides: Environment = {}): Environment {
  return {
    PLATFORM_ENV: 'dev',
    DATABASE_URL: testDatabaseUrl(),
    PORT: '0',
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT: '100000',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** A Gatehouse running in this process, over real HTTP, on the test database. */
export async function startTestPlatform(overrides: Environment = {}, logger: LoggerService | false = false): Promise<RunningPlatform> {
  const env = testEnvironment(overrides);
  return createPlatform((databaseUrl, config) => AppModule.forRoot(databaseUrl, config), loadGatehouseConfigOrThrow(env), { logger });
}
