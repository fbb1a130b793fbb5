import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, request } from './support/auth-client.js';
import { runGatehouse, startGatehouseServer } from './support/gatehouse-process.js';
import { startTestPlatform, testDatabaseUrl } from './support/platform.js';
import { freePort } from './support/ports.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

/** Whether a process runs (a zombie waiting to be reaped by its new parent does not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
}

/** Logins of one user, all sent at once: more than the bcrypt workers (one per core), so some wait in the hashing queue. */
function concurrentLogins(baseUrl: string, email: string, password: string): Promise<number | string>[] {
  return Array.from({ length: 3 * availableParallelism() }, () =>
    request(baseUrl, 'POST', '/auth/login', { body: { email, password } }).then(
      (response) => response.status,
      (error: Error) => error.message,
    ),
  );
}

describe('gatehouse start on the embedded PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'gatehouse-start-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('boots from an empty data directory, migrates, and answers /health/ready', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir, BCRYPT_COST: '4' });
    try {
      const response = await fetch(`${server.baseUrl}/health/ready`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
      expect(server.output()).toContain('Applied migrations: CreateUsers');

      const created = await runGatehouse(
        ['user', 'create', '--email', 'Persisted@Example.com', '--name', 'Kept'],
        { PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir, BCRYPT_COST: '4' },
        'a long enough password\n',
      );
      expect(created.stderr).toBe('');
      expect(created.stdout).toMatch(/^Created user persisted@example\.com \(id [0-9a-f-]{36}\)\n$/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('stops PostgreSQL on SIGTERM, leaving no postgres process behind', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir });
    const pid = Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    expect(isRunning(pid)).toBe(true);
    expect(await server.stop()).toBe(0);
    expect(isRunning(pid)).toBe(false);
    await expect(readFile(join(dataDir, 'postgres', 'postmaster.pid'))).rejects.toThrow('ENOENT');
  });

  it('restarts on the same data directory with the data intact and no migration to apply', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir, BCRYPT_COST: '4' });
    try {
      expect(server.output()).not.toContain('Applied migrations');
      const again = await runGatehouse(
        ['user', 'create', '--email', 'persisted@example.com'],
        { PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir, BCRYPT_COST: '4' },
        'a long enough password\n',
      );
      expect(again.code).toBe(1);
      expect(again.stderr).toBe('Cannot create user: Email already registered\n');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  const env = () => ({ PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir, BCRYPT_COST: '10', AUTH_RATE_LIMIT: '100000' });
  const postmasterPid = async () => Number((await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);

  it('stops in order on a Ctrl-C at its terminal (SIGINT to its whole process group): in-flight logins finish, then PostgreSQL stops', async () => {
    const server = await startGatehouseServer(env(), { timeoutMs: 60_000, processGroup: true });
    const pid = await postmasterPid();
    try {
      const logins = concurrentLogins(server.baseUrl, 'persisted@example.com', 'a long enough password');
      // Once one is answered, the others have arrived: hashing, or queued behind it.
      await Promise.race(logins);
      process.kill(-server.child.pid!, 'SIGINT');
      expect(await Promise.all(logins)).toEqual(logins.map(() => 200));
      expect(await server.exited).toBe(0);
      expect(isRunning(pid)).toBe(false);
    } finally {
      server.child.kill('SIGKILL');
      if (isRunning(pid)) process.kill(pid, 'SIGKILL');
    }
  });

  it('notices when its PostgreSQL dies: an error line, /health/ready 503, then restarts it and serves again', async () => {
    const server = await startGatehouseServer(env(), { timeoutMs: 60_000 });
    try {
      const pid = await postmasterPid();
      process.kill(pid, 'SIGKILL');
      const statuses: number[] = [];
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && !(statuses.includes(503) && statuses.at(-1) === 200)) {
        statuses.push((await fetch(`${server.baseUrl}/health/ready`)).status);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(statuses).toContain(503);
      expect(statuses.at(-1)).toBe(200);
      expect(server.output()).toMatch(
        new RegExp(`ERROR: The embedded PostgreSQL \\(pid ${pid}\\) stopped unexpectedly \\(signal SIGKILL\\)`),
      );
      expect(await postmasterPid()).not.toBe(pid);
      expect((await login(server.baseUrl, 'persisted@example.com', 'a long enough password')).access_token).toEqual(expect.any(String));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('after a kill -9 of Gatehouse, the next start stops the PostgreSQL it left running and serves the same data', async () => {
    const killed = await startGatehouseServer(env(), { timeoutMs: 60_000 });
    const orphan = await postmasterPid();
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(isRunning(orphan)).toBe(true);

    const server = await startGatehouseServer(env(), { timeoutMs: 60_000 });
    try {
      expect(isRunning(orphan)).toBe(false);
      expect(server.output()).toContain(`Stopping the embedded PostgreSQL (pid ${orphan}) left running`);
      expect((await login(server.baseUrl, 'persisted@example.com', 'a long enough password')).access_token).toEqual(expect.any(String));
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('refuses a second Gatehouse on the same data directory with a clear message', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir });
    try {
      const second = await runGatehouse(['start'], { PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: dataDir, PORT: '0' });
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(/^GATEHOUSE_DATA_DIR: the embedded PostgreSQL in .* is already running \(pid \d+\)/m);
      expect(second.stderr).not.toMatch(/\n\s+at /);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('gatehouse start on DATABASE_URL', () => {
  it('boots, answers /health/ready and stops cleanly', async () => {
    const server = await startGatehouseServer({ PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl() });
    try {
      const response = await fetch(`${server.baseUrl}/health/ready`);
      expect(response.status).toBe(200);
      expect(server.output()).not.toContain('embedded PostgreSQL');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe('start-up failures', () => {
  it('names an unusable data directory in one line, without a stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-bad-'));
    try {
      const file = join(dir, 'not-a-directory');
      await writeFile(file, '');
      const result = await runGatehouse(['start'], { PLATFORM_ENV: 'dev', GATEHOUSE_DATA_DIR: file });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`GATEHOUSE_DATA_DIR: cannot use ${file} (EEXIST); allowed: a writable directory`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('names a port that is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await runGatehouse(['start'], { PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl(), PORT: String(port) });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(`PORT: 127.0.0.1:${port} is already in use; stop what uses it or set PORT to a free port\n`);
    } finally {
      blocker.close();
    }
  });

  it('names an unreachable database', async () => {
    const port = await freePort();
    const result = await runGatehouse(['start'], { PLATFORM_ENV: 'dev', DATABASE_URL: `postgres://gatehouse@127.0.0.1:${port}/gatehouse` });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `Cannot connect to PostgreSQL at 127.0.0.1:${port}/gatehouse (connection refused; is it running?); check DATABASE_URL\n`,
    );
  });

  it('prints every configuration problem and exits 1 before touching the database', async () => {
    const result = await runGatehouse(['start'], { JWT_ACCESS_TOKEN_EXPIRATION: '0', JWT_AUDIENCES: 'web,tv' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'JWT_ISSUER: is required outside dev (for development, set PLATFORM_ENV=dev, e.g. in .env); allowed: a non-empty string (required outside dev)',
      'JWT_ACCESS_TOKEN_EXPIRATION: 0 is too small; allowed: an integer number of seconds from 1 to 31536000 (1 year)',
      'JWT_AUDIENCES: "tv" is not a known audience; allowed: a non-empty comma-separated list of web, api, a2a, mcp',
    ]);
  });
});

describe('health', () => {
  it('answers /health/live without the database', async () => {
    const platform = await startTestPlatform();
    try {
      const response = await fetch(`${platform.url}/health/live`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ok' });
    } finally {
      await platform.close();
    }
  });

  it('answers /health/ready 503 while the database refuses connections, and 200 again after', async () => {
    // A database of its own, so cutting it off disturbs no other test.
    const name = `gatehouse_down_${process.pid}_${Date.now()}`;
    await withDatabaseClient(async (admin) => {
      await admin.query(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(testDatabaseUrl());
        url.pathname = `/${name}`;
        const platform = await startTestPlatform({ DATABASE_URL: url.toString() });
        try {
          expect((await fetch(`${platform.url}/health/ready`)).status).toBe(200);

          await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
          await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
          // The driver's error (addresses, server messages) goes to the log, not to the public body.
          await expectError(await fetch(`${platform.url}/health/ready`), 503, 'Not ready: database is down');

          await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`);
          // Ready again once the database lets connections in: load balancers probe again, and so
          // does this test, for up to 5 s (on a loaded CI run the first probe after the database
          // came back once still answered 503; the cause was not found).
          const deadline = Date.now() + 5000;
          let status = (await fetch(`${platform.url}/health/ready`)).status;
          while (status !== 200 && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 250));
            status = (await fetch(`${platform.url}/health/ready`)).status;
          }
          expect(status).toBe(200);
        } finally {
          await platform.close();
        }
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      }
    });
  });

  it('answers an unknown route with the common error shape', async () => {
    const platform = await startTestPlatform();
    try {
      await expectError(await fetch(`${platform.url}/no-such-route`), 404, 'Cannot GET /no-such-route');
    } finally {
      await platform.close();
    }
  });
});
