import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, PASSWORD, request, uniqueEmail } from './support/auth-client.js';
import { runGatehouse, startGatehouseServer } from './support/gatehouse-process.js';
import { testDatabaseUrl, useTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

const SECRET = 'a-production-secret-that-is-long-enough-0123456789';

describe('gatehouse config validate', () => {
  it('exits 0 for a valid configuration', async () => {
    const result = await runGatehouse(['config', 'validate'], { PLATFORM_JWT_SECRET: SECRET, JWT_ISSUER: 'gatehouse-test' });
    expect(result).toEqual({ code: 0, stdout: 'Configuration is valid\n', stderr: '' });
  });

  it('exits 1 with one line naming the variable and its range', async () => {
    const result = await runGatehouse(['config', 'validate'], { PLATFORM_ENV: 'dev', JWT_ACCESS_TOKEN_EXPIRATION: '0' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'JWT_ACCESS_TOKEN_EXPIRATION: 0 is too small; allowed: an integer number of seconds from 1 to 31536000 (1 year)\n',
    );
  });

  it('says milliseconds are not seconds for a value above one year', async () => {
    const result = await runGatehouse(['config', 'validate'], { PLATFORM_ENV: 'dev', JWT_ACCESS_TOKEN_EXPIRATION: '2592000000' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Expirations are in seconds, not milliseconds');
  });

  it('reports several problems at once, one line each', async () => {
    const result = await runGatehouse(['config', 'validate'], {
      PLATFORM_JWT_SECRET: 'too-short',
      BCRYPT_COST: '4',
      PLATFORM_JWT_TTL: '60',
      JWT_ACCESS_TOKEN_EXPIRATION: '120',
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.map((line) => line.split(':')[0]).sort()).toEqual([
      'BCRYPT_COST',
      'JWT_ISSUER',
      'PLATFORM_JWT_SECRET',
      'PLATFORM_JWT_TTL and JWT_ACCESS_TOKEN_EXPIRATION',
    ]);
    expect(result.stderr).not.toContain('too-short');
  });

  it('exits 1 outside dev with the built-in secret, saying why (start-up would run but issue no token)', async () => {
    const result = await runGatehouse(['config', 'validate'], { JWT_ISSUER: 'gatehouse-test' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'PLATFORM_JWT_SECRET: the public built-in development secret would be used outside dev, so Gatehouse would start ' +
        'but issue and accept no token; allowed: a secret of at least 32 bytes outside dev; generate one with `gatehouse secret generate`\n',
    );
  });

  it('accepts the built-in secret in dev, with a warning', async () => {
    const result = await runGatehouse(['config', 'validate'], { PLATFORM_ENV: 'dev' });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: Using the built-in development JWT secret (PLATFORM_ENV=dev)');
  });

  it('warns on stderr that PLATFORM_ENV=development is production mode, and exits 0', async () => {
    const result = await runGatehouse(['config', 'validate'], {
      PLATFORM_ENV: 'development',
      PLATFORM_JWT_SECRET: SECRET,
      JWT_ISSUER: 'gatehouse-test',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: PLATFORM_ENV="development" is not "dev", so Gatehouse runs in production mode');
  });
});

describe('gatehouse config security show', () => {
  it('--json prints the resolved settings with the secret source and fingerprint, never the secret', async () => {
    const result = await runGatehouse(['config', 'security', 'show', '--json'], {
      PLATFORM_JWT_SECRET: SECRET,
      JWT_ISSUER: 'gatehouse-prod',
      JWT_ACCESS_TOKEN_EXPIRATION: '3600',
      JWT_AUDIENCES: 'web,api',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain(SECRET);
    expect(JSON.parse(result.stdout)).toEqual({
      environment: 'production',
      platform_env: null,
      issuer: 'gatehouse-prod',
      access_token_expiration: { seconds: 3600, human: '1 hour' },
      refresh_token_expiration: { seconds: 15_552_000, human: '180 days' },
      exchange_token_expiration: { seconds: 3600, human: '1 hour' },
      audiences: ['web', 'api'],
      secret: { source: 'environment', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) },
      signing_algorithm: 'HS256',
      previous_secrets: [],
      key_rotation_days: 90,
      signing_keys: null,
      signing_keys_error: expect.stringMatching(/^no database yet \(DATABASE_URL is unset and .*postgres holds no embedded PostgreSQL\)$/),
    });
  });

  it('reports a secret read from a file as such', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-secret-'));
    try {
      const path = join(dir, 'jwt-secret');
      await writeFile(path, `${SECRET}\n`);
      const result = await runGatehouse(['config', 'security', 'show', '--json'], { PLATFORM_JWT_SECRET_FILE: path, JWT_ISSUER: 'i' });
      expect(JSON.parse(result.stdout).secret.source).toBe('file');
      expect(result.stdout).not.toContain(SECRET);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('in text form, says token issuance is disabled with the default secret outside dev', async () => {
    const result = await runGatehouse(['config', 'security', 'show'], { JWT_ISSUER: 'gatehouse-prod' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Environment: +production \(PLATFORM_ENV unset\)$/m);
    expect(result.stdout).toMatch(/^Access tokens: +2592000 s \(30 days\)$/m);
    expect(result.stdout).toMatch(/^Token exchange: +3600 s at most \(1 hour\)$/m);
    expect(result.stdout).toMatch(/^Secret: +built-in development default, fingerprint sha256:[0-9a-f]{16}$/m);
    expect(result.stdout).toMatch(/^Previous: +none$/m);
    expect(result.stdout).toMatch(/^Algorithm: +HS256$/m);
    expect(result.stdout).toMatch(/^Signing keys: +unavailable \(no database yet/m);
    expect(result.stdout).toContain('Token issuance is disabled');
  });

  it('exits 1 with the configuration problems', async () => {
    const result = await runGatehouse(['config', 'security', 'show'], { PLATFORM_ENV: 'dev', JWT_AUDIENCES: 'nope' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^JWT_AUDIENCES: "nope" is not a known audience/);
  });
});

describe('gatehouse secret generate', () => {
  it('prints 64 random bytes as 86 base64url characters, different each time', async () => {
    const [first, second] = await Promise.all([runGatehouse(['secret', 'generate']), runGatehouse(['secret', 'generate'])]);
    for (const result of [first, second]) {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^[A-Za-z0-9_-]{86}\n$/);
      expect(Buffer.from(result.stdout.trim(), 'base64url')).toHaveLength(64);
    }
    expect(first.stdout).not.toBe(second.stdout);
  });

  it('produces a secret that passes validation outside dev', async () => {
    const secret = (await runGatehouse(['secret', 'generate'])).stdout.trim();
    const result = await runGatehouse(['config', 'validate'], { PLATFORM_JWT_SECRET: secret, JWT_ISSUER: 'i' });
    expect(result.code).toBe(0);
  });
});

describe('gatehouse user create', () => {
  const env = () => ({ PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl(), BCRYPT_COST: '4' });
  const email = `cli-${Date.now()}@example.com`;

  it('creates a user with the password from stdin and a normalised email', async () => {
    const result = await runGatehouse(
      ['user', 'create', '--email', `  ${email.toUpperCase()} `, '--name', 'Cli User', '--json'],
      env(),
      'a long enough password\n',
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const user = JSON.parse(result.stdout);
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email,
      name: 'Cli User',
      disabled: false,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(result.stdout).not.toContain('password');
  });

  it('refuses an email already registered, whatever its case', async () => {
    const result = await runGatehouse(['user', 'create', '--email', email.replace('cli', 'CLI')], env(), 'another password\n');
    expect(result).toMatchObject({ code: 1, stdout: '', stderr: 'Cannot create user: Email already registered\n' });
  });

  it.each([
    ['7 bytes', '1234567'],
    ['73 bytes', 'a'.repeat(73)],
    ['37 two-byte characters (74 bytes)', 'é'.repeat(37)],
  ])('refuses a password of %s', async (_name, password) => {
    const result = await runGatehouse(['user', 'create', '--email', `short-${Date.now()}@example.com`], env(), password);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^Cannot create user: password must be 8 to 72 bytes long/);
  });

  it('accepts a password of exactly 72 bytes', async () => {
    const result = await runGatehouse(['user', 'create', '--email', `max-${Date.now()}@example.com`], env(), 'p'.repeat(72));
    expect(result.code).toBe(0);
  });

  it('refuses an invalid email', async () => {
    const result = await runGatehouse(['user', 'create', '--email', 'not-an-email'], env(), 'a long enough password');
    expect(result).toMatchObject({ code: 1, stderr: 'Cannot create user: email must be a valid email address\n' });
  });

  it('never takes the password from the command line', async () => {
    const result = await runGatehouse(['user', 'create', '--email', 'x@example.com', '--password', 'secret123'], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown option '--password'");
  });

  it('refuses an empty standard input', async () => {
    const result = await runGatehouse(['user', 'create', '--email', 'empty@example.com'], env(), '');
    expect(result).toMatchObject({ code: 1, stderr: 'Cannot create user: no password on standard input\n' });
  });
});

describe('--help', () => {
  it.each([
    [[]],
    [['start']],
    [['config']],
    [['config', 'validate']],
    [['config', 'security', 'show']],
    [['secret', 'generate']],
    [['start', '--dev']],
    [['migrate']],
    [['user', 'create']],
    [['user', 'list']],
    [['user', 'enable']],
    [['user', 'disable']],
  ])('gatehouse %j --help prints usage and exits 0', async (args) => {
    const result = await runGatehouse([...args, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: gatehouse/);
  });
});

describe('gatehouse migrate', () => {
  it('reports an up-to-date database', async () => {
    const result = await runGatehouse(['migrate'], { PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl() });
    expect(result).toEqual({ code: 0, stdout: 'Database is up to date\n', stderr: '' });
  });
});

describe('gatehouse --version', () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await runGatehouse(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });
});

describe('warnings of gatehouse config validate (the exit code stays that of the problems)', () => {
  it('names an unknown PLATFORM_*, JWT_* or GATEHOUSE_* variable, with the known name it likely stands for', async () => {
    const result = await runGatehouse(['config', 'validate'], {
      PLATFORM_ENV: 'dev',
      JWT_SECRET: SECRET,
      GATEHOUSE_DATADIR: '/var/lib/gatehouse',
      JWT_AUDIENCE: 'web',
      PLATFORM_FLAVOUR: 'vanilla',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Configuration is valid\n');
    const warnings = result.stderr.split('\n').filter((line) => line.startsWith('warning: unknown variable'));
    expect(warnings.sort()).toEqual([
      'warning: unknown variable GATEHOUSE_DATADIR; did you mean GATEHOUSE_DATA_DIR?',
      'warning: unknown variable JWT_AUDIENCE; did you mean JWT_AUDIENCES?',
      'warning: unknown variable JWT_SECRET; did you mean PLATFORM_JWT_SECRET?',
      'warning: unknown variable PLATFORM_FLAVOUR; Gatehouse has no such setting, so it is ignored',
    ]);
    expect(result.stderr).not.toContain(SECRET);
  });

  it('leaves out the variables Kubernetes sets for a Service named gatehouse', async () => {
    const result = await runGatehouse(['config', 'validate'], {
      PLATFORM_ENV: 'dev',
      GATEHOUSE_SERVICE_HOST: '10.96.0.12',
      GATEHOUSE_SERVICE_PORT: '80',
      GATEHOUSE_SERVICE_PORT_HTTP: '80',
      GATEHOUSE_PORT: 'tcp://10.96.0.12:80',
      GATEHOUSE_PORT_80_TCP: 'tcp://10.96.0.12:80',
      GATEHOUSE_PORT_80_TCP_ADDR: '10.96.0.12',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).not.toContain('unknown variable');
  });

  it('adds the hint to the problems it explains, and still exits 1', async () => {
    const result = await runGatehouse(['config', 'validate'], { PLATFORM_JWT_SECRET: SECRET, JWT_ISUER: 'gatehouse-prod' });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'JWT_ISSUER: is required outside dev (for development, set PLATFORM_ENV=dev, e.g. in .env); allowed: a non-empty string (required outside dev)\n' +
        'warning: unknown variable JWT_ISUER; did you mean JWT_ISSUER?\n',
    );
  });

  it('says so when refresh tokens would expire before the access tokens they renew', async () => {
    const result = await runGatehouse(['config', 'validate'], {
      PLATFORM_ENV: 'dev',
      JWT_ACCESS_TOKEN_EXPIRATION: '3600',
      JWT_REFRESH_TOKEN_EXPIRATION: '600',
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'warning: JWT_REFRESH_TOKEN_EXPIRATION (600 s) is shorter than JWT_ACCESS_TOKEN_EXPIRATION (3600 s): a refresh token expires ' +
        'before the access token it would renew',
    );
  });
});

describe('the .env file', () => {
  let project: string;
  beforeEach(async () => {
    project = await mkdtemp(join(tmpdir(), 'gatehouse-project-'));
  });
  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
  });
  const envFile = () => join(project, '.env');

  it('is what npm run dev runs: gatehouse start --dev', async () => {
    const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(manifest.scripts.dev).toBe('node bin/gatehouse.js start --dev');
  });

  it("after gatehouse start --dev (npm run dev), the README's gatehouse user create works from the same directory", async () => {
    const database = { DATABASE_URL: testDatabaseUrl(), BCRYPT_COST: '4' };
    const server = await startGatehouseServer(database, { cwd: project, args: ['--dev'] });
    try {
      expect(server.output()).toContain(`Created ${envFile()} with PLATFORM_ENV=dev`);
      expect(server.output()).toContain('(development mode)');
      expect(await readFile(envFile(), 'utf8')).toMatch(/^PLATFORM_ENV=dev$/m);

      const email = uniqueEmail('dev-mode');
      const created = await runGatehouse(['user', 'create', '--email', email], database, `${PASSWORD}\n`, project);
      expect(created).toMatchObject({ code: 0, stderr: '' });
      expect((await login(server.baseUrl, email)).access_token).toEqual(expect.any(String));
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Started again, it keeps the file as it is.
    const again = await startGatehouseServer(database, { cwd: project, args: ['--dev'] });
    try {
      expect(again.output()).not.toContain('Created');
      expect(again.output()).toContain('(development mode)');
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });

  it('gatehouse start --dev refuses a .env that leaves PLATFORM_ENV unset, naming the line to add', async () => {
    await writeFile(envFile(), 'LOG_LEVEL=info\n');
    const result = await runGatehouse(['start', '--dev'], { DATABASE_URL: testDatabaseUrl() }, '', project);
    expect(result).toEqual({
      code: 1,
      stdout: '',
      stderr:
        `gatehouse start --dev: ${envFile()} does not set PLATFORM_ENV, so Gatehouse would run in production mode; ` +
        'add the line PLATFORM_ENV=dev to it (the gatehouse commands run in this directory read it too)\n',
    });
  });

  it('gatehouse start --dev refuses PLATFORM_ENV=production in the environment, and writes no .env', async () => {
    const result = await runGatehouse(['start', '--dev'], { PLATFORM_ENV: 'production', DATABASE_URL: testDatabaseUrl() }, '', project);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'gatehouse start --dev: PLATFORM_ENV=production in the environment selects production mode; only PLATFORM_ENV=dev is development mode\n',
    );
    await expect(readFile(envFile())).rejects.toThrow('ENOENT');
  });

  it('is read by every command, under the environment, and its values are named with the file', async () => {
    await writeFile(envFile(), '# settings\nPLATFORM_ENV=dev\nJWT_ACCESS_TOKEN_EXPIRATION=0\nJWT_ISSUER="from the file"\n');
    const invalid = await runGatehouse(['config', 'validate'], {}, '', project);
    expect(invalid).toEqual({
      code: 1,
      stdout: '',
      stderr: `JWT_ACCESS_TOKEN_EXPIRATION in ${envFile()}: 0 is too small; allowed: an integer number of seconds from 1 to 31536000 (1 year)\n`,
    });

    const overridden = await runGatehouse(['config', 'validate'], { JWT_ACCESS_TOKEN_EXPIRATION: '60' }, '', project);
    expect(overridden).toMatchObject({ code: 0, stdout: `Configuration is valid (with settings from ${envFile()})\n` });
    const shown = await runGatehouse(['config', 'security', 'show', '--json'], { JWT_ACCESS_TOKEN_EXPIRATION: '60' }, '', project);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      environment: 'dev',
      issuer: 'from the file',
      access_token_expiration: { seconds: 60 },
    });
  });

  it('can be another file, named by GATEHOUSE_ENV_FILE, which must then exist', async () => {
    const other = join(project, 'staging.env');
    await writeFile(other, 'PLATFORM_ENV=dev\nJWT_ISSUER=staging\n');
    const shown = await runGatehouse(['config', 'security', 'show', '--json'], { GATEHOUSE_ENV_FILE: 'staging.env' }, '', project);
    expect(JSON.parse(shown.stdout)).toMatchObject({ environment: 'dev', issuer: 'staging' });

    const missing = await runGatehouse(['config', 'validate'], { GATEHOUSE_ENV_FILE: 'missing.env', PLATFORM_ENV: 'dev' }, '', project);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `GATEHOUSE_ENV_FILE: cannot read ${join(project, 'missing.env')} (ENOENT); allowed: the path of a readable file of NAME=value lines (/dev/null for none)\n`,
    );
  });

  it('warns of an unknown variable in the file, naming the file', async () => {
    await writeFile(envFile(), 'PLATFORM_ENV=dev\nJWT_SECRET=a-secret-in-the-wrong-variable\n');
    const result = await runGatehouse(['config', 'validate'], {}, '', project);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`warning: unknown variable JWT_SECRET in ${envFile()}; did you mean PLATFORM_JWT_SECRET?`);
  });
});

describe('gatehouse user list', () => {
  // A database of its own, so the page holds only this test's users.
  const name = `gatehouse_users_${process.pid}_${Date.now()}`;
  const env = () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    return { PLATFORM_ENV: 'dev', DATABASE_URL: url.toString(), BCRYPT_COST: '4' };
  };
  beforeAll(async () => {
    await withDatabaseClient((admin) => admin.query(`CREATE DATABASE ${name}`));
    expect((await runGatehouse(['migrate'], env())).code).toBe(0);
  });
  afterAll(async () => {
    await withDatabaseClient((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });

  it('says there are no users yet', async () => {
    expect(await runGatehouse(['user', 'list'], env())).toEqual({ code: 0, stdout: 'No users\n', stderr: '' });
  });

  it('lists id, email, name, disabled and created, oldest first, a page at a time', async () => {
    const ids: string[] = [];
    for (const [email, name] of [
      ['ada@example.com', 'Ada'],
      ['grace@example.com', undefined],
      ['alan@example.com', 'Alan'],
    ] as const) {
      const created = await runGatehouse(
        ['user', 'create', '--email', email, ...(name === undefined ? [] : ['--name', name]), '--json'],
        env(),
        PASSWORD,
      );
      ids.push((JSON.parse(created.stdout) as { id: string }).id);
    }
    expect((await runGatehouse(['user', 'disable', '--email', 'grace@example.com'], env())).code).toBe(0);

    const first = await runGatehouse(['user', 'list', '--limit', '2'], env());
    expect(first.code).toBe(0);
    const lines = first.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['ID', 'EMAIL', 'NAME', 'DISABLED', 'CREATED']);
    expect(lines.slice(1, 3).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      [ids[0], 'ada@example.com', 'Ada', 'no'],
      [ids[1], 'grace@example.com', '-', 'yes'],
    ]);
    expect(lines[1]).toMatch(/ \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(lines[3]).toBe('Users 1-2 of 3; next page: --offset 2');

    const second = await runGatehouse(['user', 'list', '--limit', '2', '--offset', '2', '--json'], env());
    expect(JSON.parse(second.stdout)).toEqual({
      items: [
        {
          id: ids[2],
          email: 'alan@example.com',
          name: 'Alan',
          disabled: false,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ],
      total: 3,
      limit: 2,
      offset: 2,
    });
    expect(JSON.stringify(second.stdout)).not.toMatch(/password/i);
    expect((await runGatehouse(['user', 'list', '--offset', '3'], env())).stdout).toBe('No users at offset 3 (there are 3)\n');
  });

  it.each([
    [['--limit', '0'], 'limit must be an integer from 1 to 200'],
    [['--limit', '201'], 'limit must be an integer from 1 to 200'],
    [['--offset', '-1'], 'offset must be an integer from 0 to 1000000'],
    [['--offset', 'x'], 'offset must be an integer from 0 to 1000000'],
  ])('refuses %j with the range', async (args, message) => {
    const result = await runGatehouse(['user', 'list', ...args], env());
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });
});

describe('gatehouse user enable', () => {
  const platform = useTestPlatform();
  const env = () => ({ PLATFORM_ENV: 'dev', DATABASE_URL: testDatabaseUrl(), BCRYPT_COST: '4' });
  const signIn = (email: string) => request(platform.url, 'POST', '/auth/login', { body: { email, password: PASSWORD } });

  it('lets a disabled user sign in again', async () => {
    const email = uniqueEmail('enable');
    expect((await runGatehouse(['user', 'create', '--email', email], env(), PASSWORD)).code).toBe(0);
    expect((await runGatehouse(['user', 'disable', '--email', email], env())).code).toBe(0);
    await expectError(await signIn(email), 401, 'Invalid email or password');

    const enabled = await runGatehouse(['user', 'enable', '--email', email.toUpperCase()], env());
    expect(enabled).toEqual({ code: 0, stdout: `Enabled user ${email}; it can sign in again\n`, stderr: '' });
    expect((await signIn(email)).status).toBe(200);

    const again = await runGatehouse(['user', 'enable', '--email', email], env());
    expect(again).toEqual({ code: 0, stdout: `User ${email} is not disabled; nothing to do\n`, stderr: '' });
  });

  it('exits 1 for an unknown email', async () => {
    const result = await runGatehouse(['user', 'enable', '--email', 'Nobody@Example.com'], env());
    expect(result).toEqual({ code: 1, stdout: '', stderr: 'Cannot enable user: no user with email nobody@example.com\n' });
  });
});
