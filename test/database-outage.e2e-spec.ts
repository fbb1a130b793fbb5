import type { RunningPlatform } from '@app/server';
import pg from 'pg';
import { request, signIn, TEST_ISSUER, TEST_SECRET, type TokenPairBody } from './support/auth-client.js';
import { startTestPlatform, testDatabaseUrl } from './support/platform.js';
import { expectError } from './support/responses.js';

const UNAVAILABLE = 'The database is unavailable; retry in 5 seconds';

describe('requests while the database cannot serve them', () => {
  // A database of its own, so cutting it off or locking its tables disturbs no other test.
  const name = `gatehouse_outage_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl() });
  let platform: RunningPlatform;
  let pair: TokenPairBody;
  const databaseUrl = () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    return url.toString();
  };

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    platform = await startTestPlatform({ DATABASE_URL: databaseUrl(), PLATFORM_JWT_SECRET: TEST_SECRET, JWT_ISSUER: TEST_ISSUER });
    pair = await signIn(platform.url);
  });
  afterAll(async () => {
    await platform?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('answers 503 with Retry-After, not 500, while the database refuses connections, and serves again after', async () => {
    await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
    try {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      for (const path of ['/auth/me', '/workspaces']) {
        const response = await request(platform.url, 'GET', path, { token: pair.access_token });
        expect(response.headers.get('retry-after')).toBe('5');
        await expectError(response, 503, UNAVAILABLE);
      }
      const login = await request(platform.url, 'POST', '/auth/refresh', { body: { refresh_token: pair.refresh_token } });
      expect(login.headers.get('retry-after')).toBe('5');
      await expectError(login, 503, UNAVAILABLE);
    } finally {
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
    }
    expect((await request(platform.url, 'GET', '/auth/me', { token: pair.access_token })).status).toBe(200);
  });

  it('answers 503 with Retry-After when a statement runs past the statement timeout, instead of waiting', async () => {
    const locker = new pg.Client({ connectionString: databaseUrl() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE');
      const response = await request(platform.url, 'GET', '/auth/me', { token: pair.access_token });
      expect(response.headers.get('retry-after')).toBe('5');
      await expectError(response, 503, UNAVAILABLE);
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect((await request(platform.url, 'GET', '/auth/me', { token: pair.access_token })).status).toBe(200);
  });
});
