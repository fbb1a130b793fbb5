import type { DynamicModule, Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { type Environment, GatehouseConfigModule, loadGatehouseConfigOrThrow } from '@app/config';
import { DatabaseModule } from '@app/database';
import { UsersModule } from '@app/users';
import { WorkspacesModule } from '@app/workspaces';
import { testDatabaseUrl } from './test-database.js';

export interface TestServices {
  /** A provider of the domain modules, e.g. `services.get(WorkspacesService)`. */
  get<T>(token: Type<T>): T;
}

/**
 * The domain services on the test database, without HTTP (the medium tier): the configuration,
 * the database, libs/users and libs/workspaces (and any `modules` given) in one Nest testing module, built before the
 * file's tests and closed after them. Dev mode and a cheap bcrypt cost, unless overridden.
 */
export function useTestServices(overrides: Environment = {}, modules: (Type | DynamicModule)[] = []): TestServices {
  let moduleRef: TestingModule | undefined;

  beforeAll(async () => {
    const url = testDatabaseUrl();
    const config = loadGatehouseConfigOrThrow({
      PLATFORM_ENV: 'dev',
      DATABASE_URL: url,
      BCRYPT_COST: '4',
      LOG_LEVEL: 'silent',
      ...overrides,
    });
    moduleRef = await Test.createTestingModule({
      imports: [GatehouseConfigModule.forRoot(config), DatabaseModule.forRoot(url), UsersModule, WorkspacesModule, ...modules],
    }).compile();
    await moduleRef.init();
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  return {
    get<T>(token: Type<T>): T {
      if (moduleRef === undefined) throw new Error('The test services are built in beforeAll: use them inside a test');
      return moduleRef.get(token);
    },
  };
}
