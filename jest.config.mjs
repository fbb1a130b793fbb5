/**
 * Three tiers: `unit` (specs beside the code in apps/ and libs/; `kit`, the tests of packages/nest), `medium` (test/medium/, the
 * domain services without HTTP against a real PostgreSQL) and `e2e` (test/, over HTTP against a
 * real PostgreSQL). Both database tiers share one global setup, which Jest runs once; every
 * tier but lint writes its temporary files in the run's scratch area, which must be left empty.
 * Gatehouse is native ESM (NestJS 12 is ESM-only), so Jest runs with --experimental-vm-modules
 * and ts-jest emits ESM.
 */
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json' }],
  },
  moduleNameMapper: {
    '^@app/(config|database|users|auth|metrics|errors|http-api|workspaces|server)$': '<rootDir>/libs/$1/src/index.ts',
    // @fastify/static (CommonJS, behind Swagger UI) requires content-disposition, which is now
    // ESM-only; Jest cannot require ESM on Node 20, so tests get its last CommonJS release.
    '^content-disposition$': 'content-disposition-cjs',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
};

export default {
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/apps', '<rootDir>/libs'],
      testMatch: ['**/*.spec.ts'],
      // Temporary files in one directory per run, and a failed run if a test leaves any (test/support/scratch-area.mjs).
      globalSetup: '<rootDir>/test/scratch-setup.mjs',
      globalTeardown: '<rootDir>/test/scratch-teardown.mjs',
    },
    {
      // The kit for workspace apps (packages/nest): its own tests, against local HTTP servers and a scratch install of its tarball.
      ...shared,
      displayName: 'kit',
      roots: ['<rootDir>/packages/nest/test'],
      testMatch: ['**/*.spec.ts'],
      transform: {
        '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/packages/nest/tsconfig.json' }],
      },
      globalSetup: '<rootDir>/test/scratch-setup.mjs',
      globalTeardown: '<rootDir>/test/scratch-teardown.mjs',
    },
    // Checks of the deployment files by reading them (no Docker engine or cluster runs here); part of `npm run lint`.
    { ...shared, displayName: 'lint', roots: ['<rootDir>/test/lint'], testMatch: ['**/*.lint-spec.ts'] },
    {
      ...shared,
      displayName: 'medium',
      roots: ['<rootDir>/test/medium'],
      testMatch: ['**/*.medium-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
    },
    {
      ...shared,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.mjs',
      globalTeardown: '<rootDir>/test/global-teardown.mjs',
    },
  ],
  // End-to-end tests start servers and PostgreSQL clusters.
  testTimeout: 60000,
};
