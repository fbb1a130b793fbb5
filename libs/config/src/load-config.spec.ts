import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { availableCpus } from './available-cpus.js';
import { settingsFor } from './config.schema.js';
import { summariseSecurity } from './describe-config.js';
import type { GatehouseConfig } from './gatehouse-config.js';
import { DEFAULT_JWT_SECRET, type Environment, fingerprintSecret, loadGatehouseConfig } from './load-config.js';
import { OTHER_VARIABLES } from './unknown-variables.js';

const STRONG_SECRET = 'x'.repeat(32);
/** A minimal valid production environment. */
const PROD: Environment = { PLATFORM_JWT_SECRET: STRONG_SECRET, JWT_ISSUER: 'gatehouse-test' };
const DEV: Environment = { PLATFORM_ENV: 'dev' };

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function load(env: Environment): GatehouseConfig {
  const result = loadGatehouseConfig(env);
  if (!result.ok) throw new Error(`expected a valid configuration, got:\n${result.problems.join('\n')}`);
  return result.config;
}

function problemsOf(env: Environment): readonly string[] {
  const result = loadGatehouseConfig(env);
  if (result.ok) throw new Error('expected configuration problems, got a valid configuration');
  return result.problems;
}

describe('defaults', () => {
  const config = load(DEV);
  it.each([
    ['issuer in dev', config.security.issuer, 'gatehouse-local'],
    ['access token expiration', config.security.accessTokenExpiration, 2_592_000],
    ['refresh token expiration', config.security.refreshTokenExpiration, 15_552_000],
    ['audiences', config.security.audiences, ['web', 'api', 'a2a', 'mcp']],
    ['secret source', config.security.secretSource, 'default'],
    ['database url (embedded)', config.database.url, undefined],
    ['data directory', config.database.dataDir, '.data'],
    ['redis url (in-process)', config.redis.url, undefined],
    ['redis key prefix', config.redis.keyPrefix, 'gatehouse:'],
    ['port', config.http.port, 3000],
    ['host', config.http.host, '127.0.0.1'],
    ['bcrypt cost', config.accounts.bcryptCost, 12],
    ['bcrypt workers: the CPUs available, at most 4', config.accounts.bcryptWorkers, Math.min(4, availableCpus())],
    ['registration', config.accounts.allowRegistration, true],
    ['login failures before 429', config.rateLimits.loginMaxFailures, 10],
    ['auth rate limit', config.rateLimits.authRateLimit, 60],
    ['invitations per user per hour', config.rateLimits.invitationRateLimit, 20],
    ['invitation expiration (7 days)', config.workspaces.invitationExpiration, 604_800],
    ['trust proxy', config.http.trustProxy, false],
    ['refresh reuse grace window', config.security.refreshGraceSeconds, 10],
    ['absolute session lifetime', config.security.sessionMaxLifetime, 31_536_000],
    ['log level', config.http.logLevel, 'info'],
    ['CORS origins (off)', config.http.corsOrigins, []],
    ['public metrics', config.http.metricsPublic, false],
    ['metrics port (none)', config.http.metricsPort, undefined],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toEqual(expected);
  });
});

describe('PLATFORM_ENV', () => {
  it.each([
    ['unset', undefined, false, false],
    ['dev', 'dev', true, false],
    ['production', 'production', false, false],
    ['development', 'development', false, true],
    ['local', 'local', false, true],
    ['test', 'test', false, true],
    ['DEV (case matters)', 'DEV', false, true],
  ])('%s → development mode %s, warning %s', (_name, value, isDevelopment, warns) => {
    const config = load({ ...PROD, PLATFORM_ENV: value });
    expect(config.security.isDevelopment).toBe(isDevelopment);
    const warning = config.warnings.find((w) => w.startsWith('PLATFORM_ENV='));
    if (warns) expect(warning).toContain('runs in production mode');
    else expect(warning).toBeUndefined();
  });

  it('requires JWT_ISSUER outside dev', () => {
    expect(problemsOf({ PLATFORM_JWT_SECRET: STRONG_SECRET })).toEqual([
      'JWT_ISSUER: is required outside dev (for development, set PLATFORM_ENV=dev, e.g. in .env); allowed: a non-empty string (required outside dev)',
    ]);
  });

  it('warns in dev that the built-in secret is in use', () => {
    expect(load(DEV).warnings.join('\n')).toContain('built-in development JWT secret');
  });
});

describe('JWT_ACCESS_TOKEN_EXPIRATION and its alias PLATFORM_JWT_TTL', () => {
  const range = 'allowed: an integer number of seconds from 1 to 31536000 (1 year)';
  it.each([
    ['1', 1],
    ['31536000', 31_536_000],
    [' 3600 ', 3600],
  ])('accepts %j', (value, expected) => {
    expect(load({ ...DEV, JWT_ACCESS_TOKEN_EXPIRATION: value }).security.accessTokenExpiration).toBe(expected);
  });

  it.each([
    ['0', `JWT_ACCESS_TOKEN_EXPIRATION: 0 is too small; ${range}`],
    ['-5', `JWT_ACCESS_TOKEN_EXPIRATION: -5 is too small; ${range}`],
    [
      '31536001',
      `JWT_ACCESS_TOKEN_EXPIRATION: 31536001 is too large; ${range}. Expirations are in seconds, not milliseconds (31536000 seconds is 1 year)`,
    ],
    ['1.5', `JWT_ACCESS_TOKEN_EXPIRATION: 1.5 is not a whole number; ${range}`],
    ['30d', `JWT_ACCESS_TOKEN_EXPIRATION: "30d" is not a number; ${range}`],
    ['', `JWT_ACCESS_TOKEN_EXPIRATION: is set but empty; ${range}`],
  ])('rejects %j with one line naming the variable and its range', (value, line) => {
    expect(problemsOf({ ...DEV, JWT_ACCESS_TOKEN_EXPIRATION: value })).toEqual([line]);
  });

  it('takes PLATFORM_JWT_TTL alone', () => {
    expect(load({ ...DEV, PLATFORM_JWT_TTL: '600' }).security.accessTokenExpiration).toBe(600);
  });

  it('validates PLATFORM_JWT_TTL under its own name', () => {
    expect(problemsOf({ ...DEV, PLATFORM_JWT_TTL: '0' })).toEqual([`PLATFORM_JWT_TTL: 0 is too small; ${range}`]);
  });

  it('accepts both when they agree', () => {
    const env = { ...DEV, PLATFORM_JWT_TTL: '600', JWT_ACCESS_TOKEN_EXPIRATION: '600' };
    expect(load(env).security.accessTokenExpiration).toBe(600);
  });

  it('rejects an empty PLATFORM_JWT_TTL under its own name', () => {
    expect(problemsOf({ ...DEV, PLATFORM_JWT_TTL: ' ' })).toEqual([`PLATFORM_JWT_TTL: is set but empty; ${range}`]);
  });

  it('fails naming both when they differ', () => {
    const [line] = problemsOf({ ...DEV, PLATFORM_JWT_TTL: '600', JWT_ACCESS_TOKEN_EXPIRATION: '900' });
    expect(line).toMatch(/^PLATFORM_JWT_TTL and JWT_ACCESS_TOKEN_EXPIRATION: both are set, to different values \(600 and 900\)/);
  });
});

describe('JWT_REFRESH_TOKEN_EXPIRATION', () => {
  it.each([['1'], ['15552000'], ['63072000']])('accepts %s', (value) => {
    expect(load({ ...DEV, JWT_REFRESH_TOKEN_EXPIRATION: value }).security.refreshTokenExpiration).toBe(Number(value));
  });
  it.each([['0'], ['-1'], ['soon']])('rejects %s', (value) => {
    const [line] = problemsOf({ ...DEV, JWT_REFRESH_TOKEN_EXPIRATION: value });
    expect(line).toMatch(/^JWT_REFRESH_TOKEN_EXPIRATION: .*; allowed: an integer number of seconds greater than 0$/);
  });
});

describe('JWT_EXCHANGE_TOKEN_EXPIRATION', () => {
  it('defaults to one hour', () => {
    expect(load(DEV).security.exchangeTokenExpiration).toBe(3600);
  });
  it.each([['1'], ['300'], ['31536000']])('accepts %s', (value) => {
    expect(load({ ...DEV, JWT_EXCHANGE_TOKEN_EXPIRATION: value }).security.exchangeTokenExpiration).toBe(Number(value));
  });
  it.each([['0'], ['31536001'], ['1h']])('rejects %s, naming the range', (value) => {
    const [line] = problemsOf({ ...DEV, JWT_EXCHANGE_TOKEN_EXPIRATION: value });
    expect(line).toMatch(/^JWT_EXCHANGE_TOKEN_EXPIRATION: .*; allowed: an integer number of seconds from 1 to 31536000 \(1 year\)$/);
  });
});

describe('JWT_ISSUER', () => {
  it('trims whitespace', () => {
    expect(load({ ...PROD, JWT_ISSUER: '  gatehouse-prod ' }).security.issuer).toBe('gatehouse-prod');
  });
  it.each([[''], ['   ']])('rejects %j', (value) => {
    expect(problemsOf({ ...PROD, JWT_ISSUER: value })).toEqual([
      'JWT_ISSUER: is set but empty; allowed: a non-empty string (required outside dev)',
    ]);
  });
});

describe('JWT_AUDIENCES', () => {
  const allowed = 'allowed: a non-empty comma-separated list of web, api, a2a, mcp';
  it.each([
    ['web', ['web']],
    ['web,api', ['web', 'api']],
    [' web , mcp ', ['web', 'mcp']],
    ['api,api,web,api', ['api', 'web']],
    ['mcp,a2a,api,web', ['mcp', 'a2a', 'api', 'web']],
  ])('%j → %j', (value, expected) => {
    expect(load({ ...DEV, JWT_AUDIENCES: value }).security.audiences).toEqual(expected);
  });

  it.each([
    ['', `JWT_AUDIENCES: is set but empty; ${allowed}`],
    [' , ', `JWT_AUDIENCES: has an empty entry; ${allowed}`],
    ['web,,api', `JWT_AUDIENCES: has an empty entry; ${allowed}`],
    ['web,mobile', `JWT_AUDIENCES: "mobile" is not a known audience; ${allowed}`],
    ['Web', `JWT_AUDIENCES: "Web" is not a known audience; ${allowed}`],
  ])('rejects %j', (value, line) => {
    expect(problemsOf({ ...DEV, JWT_AUDIENCES: value })).toEqual([line]);
  });
});

describe('the signing secret', () => {
  const tooShort = 'allowed: a secret of at least 32 bytes outside dev; generate one with `gatehouse secret generate`';

  it('outside dev, accepts a secret of exactly 32 bytes', () => {
    expect(load(PROD).security.secretSource).toBe('environment');
  });

  it('outside dev, rejects a 31-byte secret without echoing it', () => {
    const secret = 's'.repeat(31);
    const problems = problemsOf({ ...PROD, PLATFORM_JWT_SECRET: secret });
    expect(problems).toEqual([`PLATFORM_JWT_SECRET: is only 31 bytes long; ${tooShort}`]);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('counts bytes, not characters', () => {
    // 16 two-byte characters are 32 bytes.
    expect(load({ ...PROD, PLATFORM_JWT_SECRET: 'é'.repeat(16) }).security.secretSource).toBe('environment');
  });

  it('in dev, accepts a short custom secret', () => {
    expect(load({ ...DEV, PLATFORM_JWT_SECRET: 'short' }).security.usesDefaultSecret).toBe(false);
  });

  it('outside dev with no secret, starts with the default secret flagged', () => {
    const config = load({ JWT_ISSUER: 'gatehouse-test' });
    expect(config.security.usesDefaultSecret).toBe(true);
    expect(config.security.secretSource).toBe('default');
  });

  it('treats the built-in secret given explicitly as the default', () => {
    const config = load({ ...PROD, PLATFORM_JWT_SECRET: DEFAULT_JWT_SECRET });
    expect(config.security.usesDefaultSecret).toBe(true);
  });

  it('rejects an empty PLATFORM_JWT_SECRET instead of falling back to the default', () => {
    expect(problemsOf({ ...PROD, PLATFORM_JWT_SECRET: '' })).toEqual([`PLATFORM_JWT_SECRET: is set but empty; ${tooShort}`]);
  });

  it('reads PLATFORM_JWT_SECRET_FILE and trims the trailing newline', () => {
    const secret = 'f'.repeat(40);
    const config = load({ JWT_ISSUER: 'gatehouse-test', PLATFORM_JWT_SECRET_FILE: file('secret', `${secret}\n`) });
    expect(config.security.secretSource).toBe('file');
    expect(config.security.secretFingerprint).toBe(fingerprintSecret(secret));
    expect(config.security.signingKey.export().toString()).toBe(secret);
  });

  it('applies the length rule to a secret read from a file', () => {
    const path = file('short-secret', 'short\n');
    expect(problemsOf({ JWT_ISSUER: 'gatehouse-test', PLATFORM_JWT_SECRET_FILE: path })).toEqual([
      `PLATFORM_JWT_SECRET_FILE (${path}): is only 5 bytes long; ${tooShort}`,
    ]);
  });

  it.each([
    [
      'both variables set',
      { PLATFORM_JWT_SECRET: STRONG_SECRET, PLATFORM_JWT_SECRET_FILE: '/dev/null' },
      /^PLATFORM_JWT_SECRET and PLATFORM_JWT_SECRET_FILE: both are set/,
    ],
    ['a missing file', { PLATFORM_JWT_SECRET_FILE: join(dir, 'missing') }, /^PLATFORM_JWT_SECRET_FILE: cannot read .*missing \(ENOENT\)/],
    ['an empty file', { PLATFORM_JWT_SECRET_FILE: file('empty', '\n') }, /^PLATFORM_JWT_SECRET_FILE: .*empty is empty/],
    ['an empty path', { PLATFORM_JWT_SECRET_FILE: '' }, /^PLATFORM_JWT_SECRET_FILE: is set but empty; give the path of a file/],
  ])('rejects %s', (_name, env, pattern) => {
    const problems = problemsOf({ JWT_ISSUER: 'gatehouse-test', ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });
});

describe('signing keys settings (SPEC section 5)', () => {
  const previousRange =
    'allowed: a comma-separated list of earlier secrets, each of at least 32 bytes and never the built-in development secret';

  it('defaults to HS256, rotation every 90 days, no previous secret, no PUBLIC_URL', () => {
    const config = load(PROD);
    expect(config.security).toMatchObject({ signingAlgorithm: 'HS256', keyRotationDays: 90, previousSecrets: [] });
    expect(config.http.publicUrl).toBeUndefined();
  });

  it.each(['RS256', 'ES256', 'EdDSA'])('takes JWT_SIGNING_ALGORITHM=%s', (algorithm) => {
    expect(load({ ...PROD, JWT_SIGNING_ALGORITHM: algorithm }).security.signingAlgorithm).toBe(algorithm);
  });

  it('refuses another algorithm, naming those allowed', () => {
    expect(problemsOf({ ...PROD, JWT_SIGNING_ALGORITHM: 'rs256' })).toEqual([
      'JWT_SIGNING_ALGORITHM: "rs256" is not allowed; allowed: one of HS256, RS256, ES256, EdDSA',
    ]);
  });

  it('takes previous secrets (fingerprints for kids, duplicates and the current secret left out)', () => {
    const old = 'o'.repeat(40);
    const security = load({ ...PROD, PLATFORM_JWT_PREVIOUS_SECRETS: ` ${old}, ${old},${STRONG_SECRET}` }).security;
    expect(security.previousSecrets.map((previous) => previous.fingerprint)).toEqual([fingerprintSecret(old)]);
    expect(security.previousSecrets[0].key.export().toString()).toBe(old);
  });

  it.each([
    ['a short one', `${'o'.repeat(40)},short`, `entry 2 is only 5 bytes long`],
    ['the built-in secret', DEFAULT_JWT_SECRET, 'entry 1 is the public built-in development secret'],
    ['a placeholder', 'replace-with-the-output-of-gatehouse-secret-generate', 'entry 1 is a placeholder from an example, not a secret'],
    ['an empty entry', `${'o'.repeat(40)},,${'p'.repeat(40)}`, 'entry 2 is empty'],
  ])('outside dev, refuses %s among the previous secrets, without echoing it', (_name, value, problem) => {
    const problems = problemsOf({ ...PROD, PLATFORM_JWT_PREVIOUS_SECRETS: value });
    expect(problems).toEqual([`PLATFORM_JWT_PREVIOUS_SECRETS: ${problem}; ${previousRange}`]);
    expect(problems[0]).not.toContain('short,');
  });

  it('reads PLATFORM_JWT_PREVIOUS_SECRETS_FILE, one per line, with the same rules', () => {
    const [a, b] = ['a'.repeat(40), 'b'.repeat(40)];
    const security = load({ ...PROD, PLATFORM_JWT_PREVIOUS_SECRETS_FILE: file('previous', `${a}\n\n${b}\n`) }).security;
    expect(security.previousSecrets.map((previous) => previous.fingerprint)).toEqual([fingerprintSecret(a), fingerprintSecret(b)]);
    const path = file('previous-short', `${a}\nshort\n`);
    expect(problemsOf({ ...PROD, PLATFORM_JWT_PREVIOUS_SECRETS_FILE: path })).toEqual([
      `PLATFORM_JWT_PREVIOUS_SECRETS_FILE (${path}): entry 2 is only 5 bytes long; ${previousRange}`,
    ]);
    expect(problemsOf({ ...PROD, PLATFORM_JWT_PREVIOUS_SECRETS: a, PLATFORM_JWT_PREVIOUS_SECRETS_FILE: path })).toEqual([
      'PLATFORM_JWT_PREVIOUS_SECRETS and PLATFORM_JWT_PREVIOUS_SECRETS_FILE: both are set; set only one of them',
    ]);
  });

  it('in dev, takes any previous secret', () => {
    expect(load({ ...DEV, PLATFORM_JWT_PREVIOUS_SECRETS: 'short' }).security.previousSecrets).toHaveLength(1);
  });

  it('JWT_KEY_ROTATION_DAYS: 0 to 3650', () => {
    expect(load({ ...PROD, JWT_KEY_ROTATION_DAYS: '0' }).security.keyRotationDays).toBe(0);
    expect(problemsOf({ ...PROD, JWT_KEY_ROTATION_DAYS: '-1' })).toEqual([
      'JWT_KEY_ROTATION_DAYS: -1 is too small; allowed: an integer number of days from 0 to 3650 (0 = rotate only with `gatehouse keys rotate`)',
    ]);
  });

  it('PUBLIC_URL: an http(s) URL without query, kept without its trailing slash', () => {
    expect(load({ ...PROD, PUBLIC_URL: 'https://auth.example.com/' }).http.publicUrl).toBe('https://auth.example.com');
    const range = 'allowed: an http:// or https:// URL without query, such as https://auth.example.com';
    expect(problemsOf({ ...PROD, PUBLIC_URL: 'https://auth.example.com/?a=1' })).toEqual([
      `PUBLIC_URL: "https://auth.example.com/?a=1" has a query or fragment; ${range}`,
    ]);
    expect(problemsOf({ ...PROD, PUBLIC_URL: 'ftp://auth.example.com' })).toEqual([
      `PUBLIC_URL: "ftp://auth.example.com" is not a valid URL of the right kind; ${range}`,
    ]);
  });

  it('warns outside dev when JWT_ISSUER is not PUBLIC_URL', () => {
    const result = loadGatehouseConfig({ ...PROD, PUBLIC_URL: 'https://auth.example.com' });
    expect(result.ok && result.config.warnings).toEqual([expect.stringContaining('JWT_ISSUER ("gatehouse-test") is not PUBLIC_URL')]);
    const same = loadGatehouseConfig({ ...PROD, PUBLIC_URL: 'https://auth.example.com', JWT_ISSUER: 'https://auth.example.com' });
    expect(same.ok && same.config.warnings).toEqual([]);
  });
});

describe('placeholders copied from an example file', () => {
  const tooShort = 'allowed: a secret of at least 32 bytes outside dev; generate one with `gatehouse secret generate`';
  const placeholder = `PLATFORM_JWT_SECRET: is a placeholder from an example, not a secret; ${tooShort}`;

  it.each([
    // The value deploy/kubernetes/secret.yaml shipped: 52 bytes, so the length rule let it through.
    'replace-with-the-output-of-gatehouse-secret-generate',
    'change-me-change-me-change-me-change-me',
    'CHANGEME_CHANGEME_CHANGEME_CHANGEME',
    'replace-me-with-a-long-random-string-please',
    'this-is-a-placeholder-secret-of-enough-bytes',
    '<the output of gatehouse secret generate>',
    '${PLATFORM_JWT_SECRET_FROM_THE_VAULT_OF_SECRETS}',
    '$(npx gatehouse secret generate  # run this first)',
  ])('outside dev, refuses the secret %j in one line that does not echo it', (secret) => {
    const problems = problemsOf({ ...PROD, PLATFORM_JWT_SECRET: secret });
    expect(problems).toEqual([placeholder]);
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('says both when a placeholder is also too short', () => {
    expect(problemsOf({ ...PROD, PLATFORM_JWT_SECRET: 'change-me' })).toEqual([
      placeholder,
      `PLATFORM_JWT_SECRET: is only 9 bytes long; ${tooShort}`,
    ]);
  });

  it('refuses a placeholder read from PLATFORM_JWT_SECRET_FILE, naming the file', () => {
    const path = file('placeholder-secret', 'replace-with-the-output-of-gatehouse-secret-generate\n');
    expect(problemsOf({ JWT_ISSUER: 'gatehouse-test', PLATFORM_JWT_SECRET_FILE: path })).toEqual([
      `PLATFORM_JWT_SECRET_FILE (${path}): is a placeholder from an example, not a secret; ${tooShort}`,
    ]);
  });

  it('accepts a placeholder in dev, where any secret will do', () => {
    expect(load({ ...DEV, PLATFORM_JWT_SECRET: 'change-me' }).security.usesDefaultSecret).toBe(false);
  });

  it('accepts generated secrets', () => {
    for (let i = 0; i < 200; i++) {
      const secret = randomBytes(64).toString('base64url');
      expect(load({ ...PROD, PLATFORM_JWT_SECRET: secret }).security.secretSource).toBe('environment');
    }
  });

  it.each([
    [
      'DATABASE_URL',
      // The URL deploy/kubernetes/secret.yaml shipped.
      'postgresql://gatehouse:change-me@postgres:5432/gatehouse',
      'DATABASE_URL: its password is a placeholder from an example; allowed: a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL',
    ],
    [
      'DATABASE_URL',
      'postgres://app:%3Cpassword%3E@db.internal/app',
      'DATABASE_URL: its password is a placeholder from an example; allowed: a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL',
    ],
    [
      'DATABASE_URL',
      'postgresql://gatehouse:PASSWORD@postgres.internal:5432/gatehouse',
      'DATABASE_URL: its password is a placeholder from an example; allowed: a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL',
    ],
    [
      'REDIS_URL',
      'rediss://default:replace-me@cache.internal:6380',
      'REDIS_URL: its password is a placeholder from an example; allowed: a redis:// or rediss:// URL, or unset for in-process counters',
    ],
  ])('outside dev, refuses %s with a placeholder password, without echoing the URL', (variable, url, line) => {
    const problems = problemsOf({ ...PROD, [variable]: url });
    expect(problems).toEqual([line]);
  });

  it.each([
    ['DATABASE_URL', 'postgresql://gatehouse:gatehouse@postgres:5432/gatehouse', PROD],
    ['DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/postgres', PROD],
    ['DATABASE_URL', 'postgresql://app:password-manager-made-Vq3xT9pLm2@db/app', PROD],
    ['DATABASE_URL', 'postgresql://gatehouse:change-me@localhost/gatehouse', DEV],
    ['REDIS_URL', 'redis://redis:6379', PROD],
  ])('accepts %s=%s', (variable, url, base) => {
    expect(load({ ...base, [variable]: url })).toBeDefined();
  });
});

describe('other settings', () => {
  it.each([
    ['BCRYPT_COST', '10', PROD, (c: GatehouseConfig) => c.accounts.bcryptCost, 10],
    ['BCRYPT_COST', '15', PROD, (c: GatehouseConfig) => c.accounts.bcryptCost, 15],
    ['BCRYPT_COST', '4', DEV, (c: GatehouseConfig) => c.accounts.bcryptCost, 4],
    ['BCRYPT_WORKERS', '1', PROD, (c: GatehouseConfig) => c.accounts.bcryptWorkers, 1],
    ['BCRYPT_WORKERS', '64', PROD, (c: GatehouseConfig) => c.accounts.bcryptWorkers, 64],
    ['ALLOW_REGISTRATION', 'false', DEV, (c: GatehouseConfig) => c.accounts.allowRegistration, false],
    ['LOGIN_MAX_FAILURES', '1', DEV, (c: GatehouseConfig) => c.rateLimits.loginMaxFailures, 1],
    ['AUTH_RATE_LIMIT', '1', DEV, (c: GatehouseConfig) => c.rateLimits.authRateLimit, 1],
    ['INVITATION_RATE_LIMIT', '1', DEV, (c: GatehouseConfig) => c.rateLimits.invitationRateLimit, 1],
    ['INVITATION_EXPIRATION', '1', PROD, (c: GatehouseConfig) => c.workspaces.invitationExpiration, 1],
    ['INVITATION_EXPIRATION', '31536000', PROD, (c: GatehouseConfig) => c.workspaces.invitationExpiration, 31_536_000],
    ['REFRESH_GRACE_SECONDS', '0', DEV, (c: GatehouseConfig) => c.security.refreshGraceSeconds, 0],
    ['REFRESH_GRACE_SECONDS', '60', DEV, (c: GatehouseConfig) => c.security.refreshGraceSeconds, 60],
    ['SESSION_MAX_LIFETIME', '60', DEV, (c: GatehouseConfig) => c.security.sessionMaxLifetime, 60],
    ['PORT', '0', DEV, (c: GatehouseConfig) => c.http.port, 0],
    ['DATABASE_URL', 'postgresql://u@db:5432/g', DEV, (c: GatehouseConfig) => c.database.url, 'postgresql://u@db:5432/g'],
    ['REDIS_URL', 'redis://127.0.0.1:6379', DEV, (c: GatehouseConfig) => c.redis.url, 'redis://127.0.0.1:6379'],
    ['REDIS_KEY_PREFIX', 'staging:', DEV, (c: GatehouseConfig) => c.redis.keyPrefix, 'staging:'],
    ['REDIS_KEY_PREFIX', '{gatehouse-eu}:', DEV, (c: GatehouseConfig) => c.redis.keyPrefix, '{gatehouse-eu}:'],
    ['LOG_LEVEL', 'debug', DEV, (c: GatehouseConfig) => c.http.logLevel, 'debug'],
    [
      'CORS_ORIGINS',
      'https://app.example.com, http://localhost:5173,https://app.example.com',
      DEV,
      (c: GatehouseConfig) => c.http.corsOrigins,
      ['https://app.example.com', 'http://localhost:5173'],
    ],
    ['CORS_ORIGINS', '*', DEV, (c: GatehouseConfig) => c.http.corsOrigins, ['*']],
    ['METRICS_PUBLIC', 'true', DEV, (c: GatehouseConfig) => c.http.metricsPublic, true],
    ['METRICS_PORT', '9464', DEV, (c: GatehouseConfig) => c.http.metricsPort, 9464],
    ['GATEHOUSE_DATA_DIR', '/var/lib/gatehouse', DEV, (c: GatehouseConfig) => c.database.dataDir, '/var/lib/gatehouse'],
  ])('%s=%s is accepted', (variable, value, base, pick, expected) => {
    expect(pick(load({ ...base, [variable]: value }))).toEqual(expected);
  });

  it.each([
    ['BCRYPT_COST', '9', PROD, 'BCRYPT_COST: 9 is too small; allowed: an integer from 10 to 15'],
    ['BCRYPT_COST', '16', PROD, 'BCRYPT_COST: 16 is too large; allowed: an integer from 10 to 15'],
    ['BCRYPT_COST', '3', DEV, 'BCRYPT_COST: 3 is too small; allowed: an integer from 4 to 15 (dev)'],
    ['BCRYPT_WORKERS', '0', PROD, 'BCRYPT_WORKERS: 0 is too small; allowed: an integer from 1 to 64'],
    ['BCRYPT_WORKERS', '65', PROD, 'BCRYPT_WORKERS: 65 is too large; allowed: an integer from 1 to 64'],
    ['BCRYPT_WORKERS', '1.5', DEV, 'BCRYPT_WORKERS: 1.5 is not a whole number; allowed: an integer from 1 to 64'],
    ['BCRYPT_WORKERS', 'all', DEV, 'BCRYPT_WORKERS: "all" is not a number; allowed: an integer from 1 to 64'],
    ['ALLOW_REGISTRATION', 'maybe', DEV, 'ALLOW_REGISTRATION: "maybe" is not a boolean; allowed: true or false'],
    [
      'TRUST_PROXY',
      '99999999999999999999',
      DEV,
      'TRUST_PROXY: 99999999999999999999 is too large a number of hops; allowed: false; a number of proxy hops (true = 1); or a comma-separated list of proxy IP addresses or CIDRs',
    ],
    ['LOGIN_MAX_FAILURES', '0', DEV, 'LOGIN_MAX_FAILURES: 0 is too small; allowed: an integer of at least 1'],
    ['AUTH_RATE_LIMIT', '0', DEV, 'AUTH_RATE_LIMIT: 0 is too small; allowed: an integer of at least 1'],
    ['INVITATION_RATE_LIMIT', '0', DEV, 'INVITATION_RATE_LIMIT: 0 is too small; allowed: an integer of at least 1'],
    [
      'INVITATION_EXPIRATION',
      '0',
      PROD,
      'INVITATION_EXPIRATION: 0 is too small; allowed: an integer number of seconds from 1 to 31536000 (1 year)',
    ],
    [
      'INVITATION_EXPIRATION',
      '31536001',
      PROD,
      'INVITATION_EXPIRATION: 31536001 is too large; allowed: an integer number of seconds from 1 to 31536000 (1 year)',
    ],
    [
      'INVITATION_EXPIRATION',
      '1.5',
      PROD,
      'INVITATION_EXPIRATION: 1.5 is not a whole number; allowed: an integer number of seconds from 1 to 31536000 (1 year)',
    ],
    [
      'INVITATION_EXPIRATION',
      '7d',
      PROD,
      'INVITATION_EXPIRATION: "7d" is not a number; allowed: an integer number of seconds from 1 to 31536000 (1 year)',
    ],
    ['REFRESH_GRACE_SECONDS', '61', DEV, 'REFRESH_GRACE_SECONDS: 61 is too large; allowed: an integer number of seconds from 0 to 60'],
    [
      'SESSION_MAX_LIFETIME',
      '59',
      DEV,
      'SESSION_MAX_LIFETIME: 59 is too small; allowed: an integer number of seconds from 60 to 315360000 (10 years)',
    ],
    ['LOG_LEVEL', 'verbose', DEV, 'LOG_LEVEL: "verbose" is not allowed; allowed: one of fatal, error, warn, info, debug, trace, silent'],
    [
      'CORS_ORIGINS',
      'app.example.com',
      DEV,
      'CORS_ORIGINS: "app.example.com" is not an origin; allowed: a comma-separated list of origins such as https://app.example.com, or * for any origin',
    ],
    ['METRICS_PORT', '3000', DEV, 'METRICS_PORT: 3000 is the same as PORT; allowed: an integer from 1 to 65535, other than PORT'],
    ['PORT', '65536', DEV, 'PORT: 65536 is too large; allowed: an integer from 0 to 65535'],
    [
      'DATABASE_URL',
      'mysql://db/x',
      DEV,
      'DATABASE_URL: "mysql://db/x" is not a valid URL of the right kind; allowed: a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL',
    ],
    [
      'DATABASE_URL',
      'postgress://gatehouse:s3cret-Pa55@db:5432/gatehouse',
      DEV,
      'DATABASE_URL: "postgress://gatehouse:***@db:5432/gatehouse" is not a valid URL of the right kind; allowed: a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL',
    ],
    [
      'REDIS_URL',
      'http://:redis-pa55@cache:6379',
      DEV,
      'REDIS_URL: "http://:***@cache:6379" is not a valid URL of the right kind; allowed: a redis:// or rediss:// URL, or unset for in-process counters',
    ],
    [
      'REDIS_URL',
      'http://cache',
      DEV,
      'REDIS_URL: "http://cache" is not a valid URL of the right kind; allowed: a redis:// or rediss:// URL, or unset for in-process counters',
    ],
    [
      'REDIS_KEY_PREFIX',
      'a b',
      DEV,
      'REDIS_KEY_PREFIX: "a b" is not a key prefix; allowed: 1 to 64 letters, digits, _ : . - and curly braces',
    ],
    [
      'REDIS_KEY_PREFIX',
      'x'.repeat(65),
      DEV,
      `REDIS_KEY_PREFIX: "${'x'.repeat(65)}" is not a key prefix; allowed: 1 to 64 letters, digits, _ : . - and curly braces`,
    ],
  ])('%s=%s is rejected', (variable, value, base, line) => {
    expect(problemsOf({ ...base, [variable]: value })).toEqual([line]);
  });
});

describe('TRUST_PROXY', () => {
  it.each([
    ['false', false],
    ['off', false],
    ['0', false],
    ['true', 1],
    ['1', 1],
    ['2', 2],
    ['10.0.0.7', ['10.0.0.7']],
    [' 10.0.0.0/8 , 2001:db8::/32,10.0.0.0/8, ::1 ', ['10.0.0.0/8', '2001:db8::/32', '::1']],
  ])('%s → %j', (value, expected) => {
    const config = load({ ...DEV, TRUST_PROXY: value });
    expect(config.http.trustProxy).toEqual(expected);
    expect(config.warnings).toEqual([expect.stringContaining('built-in development JWT secret')]);
  });

  it('ignores entries that are not IP addresses or CIDRs, with a warning for each', () => {
    const config = load({ ...DEV, TRUST_PROXY: '10.0.0.1, proxy.internal, loopback, 10.0.0.0/33, 192.168.0.0/16' });
    expect(config.http.trustProxy).toEqual(['10.0.0.1', '192.168.0.0/16']);
    const range = 'false; a number of proxy hops (true = 1); or a comma-separated list of proxy IP addresses or CIDRs';
    expect(config.warnings.filter((warning) => warning.startsWith('TRUST_PROXY'))).toEqual(
      ['proxy.internal', 'loopback', '10.0.0.0/33'].map(
        (entry) => `TRUST_PROXY: "${entry}" is not an IP address or CIDR, so it is ignored; allowed: ${range}`,
      ),
    );
  });

  it('trusts no proxy when no entry is an address', () => {
    const config = load({ ...DEV, TRUST_PROXY: 'my-proxy' });
    expect(config.http.trustProxy).toBe(false);
    expect(config.warnings).toContainEqual(expect.stringMatching(/^TRUST_PROXY: "my-proxy" is not an IP address or CIDR/));
  });
});

describe('every setting', () => {
  const { ranges } = settingsFor(false);
  const variables = Object.keys(ranges);

  it.each(variables)('%s, set but empty, is one line giving its allowed range', (variable) => {
    expect(ranges[variable]).toMatch(/\S/);
    expect(problemsOf({ ...PROD, [variable]: ' ' })).toEqual([`${variable}: is set but empty; allowed: ${ranges[variable]}`]);
  });

  it('is in the README configuration table, with the variables read besides the schema', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| (`[A-Z_]+`(?:, `[A-Z_]+`)*) \|/gm)].flatMap(([, cell]) => cell.match(/[A-Z_]+/g));
    expect([...variables, ...OTHER_VARIABLES].filter((variable) => !documented.includes(variable))).toEqual([]);
  });
});

describe('warnings', () => {
  const unknown = (env: Environment) => load({ ...DEV, ...env }).warnings.filter((warning) => warning.startsWith('unknown variable'));

  it.each([
    ['JWT_SECRET', 'PLATFORM_JWT_SECRET'],
    ['PLATFORM_JWT_ISSUER', 'JWT_ISSUER'],
    ['GATEHOUSE_PORT', 'PORT'],
    ['JWT_ISUER', 'JWT_ISSUER'],
    ['JWT_AUDIENCE', 'JWT_AUDIENCES'],
    ['JWT_REFRESH_TOKEN_EXPIRY', 'JWT_REFRESH_TOKEN_EXPIRATION'],
    ['PLATFORM_ENVIRONMENT', 'PLATFORM_ENV'],
    ['PLATFORM_JWT_SECRET_PATH', 'PLATFORM_JWT_SECRET_FILE'],
    ['GATEHOUSE_DATADIR', 'GATEHOUSE_DATA_DIR'],
    ['GATEHOUSE_BCRYPT_WORKERS', 'BCRYPT_WORKERS'],
  ])('name the unknown variable %s and suggest %s', (typo, known) => {
    expect(unknown({ [typo]: '1' })).toEqual([`unknown variable ${typo}; did you mean ${known}?`]);
  });

  it('name an unknown variable with no close known name, without a guess', () => {
    expect(unknown({ PLATFORM_FLAVOUR: 'vanilla' })).toEqual([
      'unknown variable PLATFORM_FLAVOUR; Gatehouse has no such setting, so it is ignored',
    ]);
  });

  it("leave out known variables, other prefixes, the test suite's own and those of a Kubernetes Service", () => {
    const env = {
      ...PROD,
      PLATFORM_JWT_TTL: '60',
      GATEHOUSE_PROFILE: undefined,
      GATEHOUSE_ENV_FILE: '/dev/null',
      GATEHOUSE_TEST_DATABASE_URL: 'postgres://x',
      GATEHOUSE_TEST_REDIS_URL: 'redis://x',
      NODE_ENV: 'production',
      SECRET: 'x',
      GATEHOUSE_SERVICE_HOST: '10.0.0.1',
      GATEHOUSE_SERVICE_PORT_METRICS: '9464',
      GATEHOUSE_PORT: 'tcp://10.0.0.1:80',
      GATEHOUSE_PORT_80_TCP_PROTO: 'tcp',
    };
    expect(unknown(env)).toEqual([]);
  });

  it('come with the problems they may explain', () => {
    const result = loadGatehouseConfig({ PLATFORM_JWT_SECRET: STRONG_SECRET, JWT_ISUER: 'gatehouse-prod' });
    expect(result).toMatchObject({ ok: false, warnings: ['unknown variable JWT_ISUER; did you mean JWT_ISSUER?'] });
  });

  it('say when refresh tokens expire before the access tokens they renew', () => {
    const warning = (access: string, refresh: string) =>
      load({ ...DEV, JWT_ACCESS_TOKEN_EXPIRATION: access, JWT_REFRESH_TOKEN_EXPIRATION: refresh }).warnings.filter((w) =>
        w.startsWith('JWT_REFRESH_TOKEN_EXPIRATION'),
      );
    expect(warning('3600', '600')).toEqual([
      'JWT_REFRESH_TOKEN_EXPIRATION (600 s) is shorter than JWT_ACCESS_TOKEN_EXPIRATION (3600 s): a refresh token expires before ' +
        'the access token it would renew, so users must sign in again instead of refreshing; make the refresh lifetime the longer one',
    ]);
    expect(warning('600', '600')).toEqual([]);
    expect(warning('600', '3600')).toEqual([]);
  });
});

describe('several problems', () => {
  it('are all reported together, one line each', () => {
    const problems = problemsOf({
      PLATFORM_JWT_SECRET: 'short',
      JWT_ACCESS_TOKEN_EXPIRATION: '0',
      JWT_AUDIENCES: 'web,desktop',
      BCRYPT_COST: '99',
    });
    expect(problems.map((line) => line.split(':')[0]).sort()).toEqual([
      'BCRYPT_COST',
      'JWT_ACCESS_TOKEN_EXPIRATION',
      'JWT_AUDIENCES',
      'JWT_ISSUER',
      'PLATFORM_JWT_SECRET',
    ]);
  });
});

describe('the YAML profile (GATEHOUSE_PROFILE)', () => {
  const profile = file(
    'profile.yaml',
    [
      'security:',
      '  jwt_issuer: "gatehouse-staging"',
      '  jwt_access_token_expiration: 86400',
      '  jwt_refresh_token_expiration: 7776000',
      '  jwt_audiences:',
      '    - web',
      '    - api',
      '',
    ].join('\n'),
  );

  it('supplies the security settings', () => {
    const { security } = load({ PLATFORM_JWT_SECRET: STRONG_SECRET, GATEHOUSE_PROFILE: profile });
    expect(summariseSecurity(security)).toMatchObject({
      issuer: 'gatehouse-staging',
      access_token_expiration: { seconds: 86_400, human: '1 day' },
      refresh_token_expiration: { seconds: 7_776_000, human: '90 days' },
      audiences: ['web', 'api'],
    });
  });

  it('is overridden by the environment, setting by setting', () => {
    const { security } = load({
      PLATFORM_JWT_SECRET: STRONG_SECRET,
      GATEHOUSE_PROFILE: profile,
      JWT_ISSUER: 'from-env',
      JWT_AUDIENCES: 'mcp',
    });
    expect([security.issuer, security.accessTokenExpiration, security.audiences]).toEqual(['from-env', 86_400, ['mcp']]);
  });

  it('is overridden by the PLATFORM_JWT_TTL alias too', () => {
    const env = { PLATFORM_JWT_SECRET: STRONG_SECRET, GATEHOUSE_PROFILE: profile, PLATFORM_JWT_TTL: '60' };
    expect(load(env).security.accessTokenExpiration).toBe(60);
  });

  it('names the YAML key and file of an invalid value', () => {
    const bad = file(
      'bad.yaml',
      'security:\n  jwt_issuer: x\n  jwt_access_token_expiration: 2592000000\n  jwt_audiences: [web, desktop]\n',
    );
    const problems = problemsOf({ PLATFORM_JWT_SECRET: STRONG_SECRET, GATEHOUSE_PROFILE: bad });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      new RegExp(`^security\\.jwt_access_token_expiration in ${bad}: 2592000000 is too large; .* seconds, not milliseconds`),
    );
    expect(problems[1]).toMatch(new RegExp(`^security\\.jwt_audiences in ${bad}: "desktop" is not a known audience`));
  });

  it('rejects an infinite expiration', () => {
    const path = file('infinite.yaml', 'security:\n  jwt_access_token_expiration: .inf\n');
    expect(problemsOf({ ...DEV, GATEHOUSE_PROFILE: path })).toEqual([
      `security.jwt_access_token_expiration in ${path}: cannot be infinity; allowed: an integer number of seconds from 1 to 31536000 (1 year)`,
    ]);
  });

  it.each([
    [
      'an unknown key',
      'security:\n  jwt_issuer: x\n  jwt_expiry: 5\n',
      /^security\.jwt_expiry in .*: unknown setting; allowed: jwt_issuer, /,
    ],
    ['invalid YAML', 'security: [unclosed\n', /^GATEHOUSE_PROFILE: .* is not valid YAML/],
    ['a non-mapping security section', 'security: 5\n', /^GATEHOUSE_PROFILE: "security" in .* must be a mapping/],
  ])('rejects %s', (_name, content, pattern) => {
    const path = file(`case-${Math.random()}.yaml`, content);
    const problems = problemsOf({ PLATFORM_JWT_SECRET: STRONG_SECRET, JWT_ISSUER: 'i', GATEHOUSE_PROFILE: path });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(pattern);
  });

  it('rejects a missing profile file', () => {
    expect(problemsOf({ ...DEV, GATEHOUSE_PROFILE: join(dir, 'nope.yaml') })[0]).toMatch(
      /^GATEHOUSE_PROFILE: cannot read .*nope\.yaml \(ENOENT\)/,
    );
  });
});
