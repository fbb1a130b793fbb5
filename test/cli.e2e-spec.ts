import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGatehouse } from './support/gatehouse-process.js';
import { testDatabaseUrl } from './support/platform.js';

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
      audiences: ['web', 'api'],
      secret: { source: 'environment', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) },
    });
  });

  it('reports a secret read from a file as such', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-secret-'));
    const path = join(dir, 'jwt-secret');
    await writeFile(path, `${SECRET}\n`);
    const result = await runGatehouse(['config', 'security', 'show', '--json'], { PLATFORM_JWT_SECRET_FILE: path, JWT_ISSUER: 'i' });
    expect(JSON.parse(result.stdout).secret.source).toBe('file');
    expect(result.stdout).not.toContain(SECRET);
  });

  it('in text form, says token issuance is disabled with the default secret outside dev', async () => {
    const result = await runGatehouse(['config', 'security', 'show'], { JWT_ISSUER: 'gatehouse-prod' });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Environment: +production \(PLATFORM_ENV unset\)$/m);
    expect(result.stdout).toMatch(/^Access tokens: +2592000 s \(30 days\)$/m);
    expect(result.stdout).toMatch(/^Secret: +built-in development default, fingerprint sha256:[0-9a-f]{16}$/m);
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
    [['migrate']],
    [['user', 'create']],
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
