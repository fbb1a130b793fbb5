import type { LoggerService } from '@nestjs/common';
import { type Environment, loadGatehouseConfigOrThrow } from '@app/config';
import { createPlatform, type RunningPlatform } from '@app/server';
import { AppModule } from '../../apps/platform/src/app.module.js';
import { TEST_ISSUER, TEST_SECRET } from './auth-client.js';
import { testDatabaseUrl } from './test-database.js';

export { testDatabaseUrl };

/**
 * Dev mode, the test database, a free port, a cheap bcrypt cost and per-address and invitation
 * limits that functional tests never reach (the rate-limit tests set their own), unless overridden.
 */
export function testEnvironment(overrides: Environment = {}): Environment {
  return {
    PLATFORM_ENV: 'dev',
    DATABASE_URL: testDatabaseUrl(),
    PORT: '0',
    BCRYPT_COST: '4',
    AUTH_RATE_LIMIT: '100000',
    INVITATION_RATE_LIMIT: '100000',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

/** A Gatehouse running in this process, over real HTTP, on the test database. */
export async function startTestPlatform(overrides: Environment = {}, logger: LoggerService | false = false): Promise<RunningPlatform> {
  const env = testEnvironment(overrides);
  return createPlatform((databaseUrl, config) => AppModule.forRoot(databaseUrl, config), loadGatehouseConfigOrThrow(env), { logger });
}

/** What `useTestPlatform` hands the tests of a file. */
export interface TestPlatform {
  /** Base URL of the running platform. */
  readonly url: string;
  readonly running: RunningPlatform;
}

/**
 * A Gatehouse for a file's (or a describe block's) tests: started before them, closed after,
 * signing with the e2e secret and issuer unless overridden.
 */
export function useTestPlatform(overrides: Environment = {}, logger: LoggerService | false = false): TestPlatform {
  let platform: RunningPlatform | undefined;
  beforeAll(async () => {
    platform = await startTestPlatform({ PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER, ...overrides }, logger);
  });
  afterAll(async () => {
    await platform?.close();
  });
  const started = (): RunningPlatform => {
    if (platform === undefined) throw new Error('The test platform starts in beforeAll: use it inside a test');
    return platform;
  };
  return {
    get url() {
      return started().url;
    },
    get running() {
      return started();
    },
  };
}
