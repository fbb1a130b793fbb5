import { createHash, createSecretKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type Joi from 'joi';
import { allowedRange, MAX_ACCESS_TOKEN_EXPIRATION, type SettingKey, settingsSchema } from './config.schema.js';
import type {
  AccountsConfig,
  Audience,
  RateLimitConfig,
  DatabaseConfig,
  GatehouseConfig,
  HttpConfig,
  RedisConfig,
  SecretSource,
  SecurityConfig,
} from './gatehouse-config.js';
import { readProfile } from './profile.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The built-in development secret. It is public (it is in this file), so outside dev
 * Gatehouse refuses to issue or accept tokens signed with it.
 */
export const DEFAULT_JWT_SECRET = 'gatehouse-insecure-development-secret-do-not-use-in-production';

/** Environment variable of each setting, for error lines and the README. */
export const SETTING_VARIABLES: Record<SettingKey, string> = {
  issuer: 'JWT_ISSUER',
  accessTokenExpiration: 'JWT_ACCESS_TOKEN_EXPIRATION',
  refreshTokenExpiration: 'JWT_REFRESH_TOKEN_EXPIRATION',
  audiences: 'JWT_AUDIENCES',
  secret: 'PLATFORM_JWT_SECRET',
  databaseUrl: 'DATABASE_URL',
  dataDir: 'GATEHOUSE_DATA_DIR',
  redisUrl: 'REDIS_URL',
  port: 'PORT',
  host: 'HOST',
  bcryptCost: 'BCRYPT_COST',
  allowRegistration: 'ALLOW_REGISTRATION',
  loginMaxFailures: 'LOGIN_MAX_FAILURES',
  authRateLimit: 'AUTH_RATE_LIMIT',
  trustProxy: 'TRUST_PROXY',
  refreshGraceSeconds: 'REFRESH_GRACE_SECONDS',
  logLevel: 'LOG_LEVEL',
  corsOrigins: 'CORS_ORIGINS',
  metricsPublic: 'METRICS_PUBLIC',
  metricsPort: 'METRICS_PORT',
};

/** Settings whose value is never echoed in an error line. */
const SECRET_SETTINGS: ReadonlySet<SettingKey> = new Set(['secret']);

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export type ConfigResult =
  { readonly ok: true; readonly config: GatehouseConfig } | { readonly ok: false; readonly problems: readonly string[] };

interface Setting {
  value: unknown;
  /** How the error line names where the value came from. */
  label: string;
}

/**
 * Reads and validates every setting at once: the YAML profile (`GATEHOUSE_PROFILE`), then the
 * environment over it, then the schema. Returns every problem found, one line each.
 */
export function loadGatehouseConfig(env: Environment = process.env): ConfigResult {
  const problems: string[] = [];
  const warnings: string[] = [];

  const platformEnv = env.PLATFORM_ENV?.trim();
  const isDevelopment = platformEnv === 'dev';
  if (platformEnv !== undefined && !isDevelopment && platformEnv !== 'production') {
    warnings.push(
      `PLATFORM_ENV=${JSON.stringify(platformEnv)} is not "dev", so Gatehouse runs in production mode ` +
        '(only PLATFORM_ENV=dev selects development mode)',
    );
  }

  const settings = new Map<SettingKey, Setting>();
  /** Settings already reported, so the schema does not report them a second time. */
  const reported = new Set<SettingKey>();
  const profilePath = env.GATEHOUSE_PROFILE;
  if (profilePath !== undefined) {
    const profile = readProfile(profilePath);
    problems.push(...profile.problems);
    for (const [key, value] of Object.entries(profile.settings) as [SettingKey, unknown][]) {
      settings.set(key, { value, label: `${profile.yamlNames[key]} in ${profilePath}` });
    }
  }

  for (const [key, variable] of Object.entries(SETTING_VARIABLES) as [SettingKey, string][]) {
    const value = env[variable];
    if (value === undefined) continue;
    if (value.trim() === '') {
      problems.push(`${variable}: is set but empty; allowed: ${allowedRange(key, isDevelopment)}`);
      reported.add(key);
      continue;
    }
    settings.set(key, { value, label: variable });
  }

  if (!applyAccessTokenAlias(env, settings, problems)) reported.add('accessTokenExpiration');
  const secretSource = applySecretFile(env, settings, problems);

  const raw: Record<string, unknown> = {};
  for (const [key, setting] of settings) if (!reported.has(key)) raw[key] = setting.value;
  const validation = settingsSchema(isDevelopment).validate(raw, {
    abortEarly: false,
    convert: true,
  });
  const error = validation.error;
  // Converted by the schema; each field is cast to its section's type below.
  const value = validation.value as Record<SettingKey, unknown>;
  for (const detail of error?.details ?? []) {
    const key = detail.path[0] as SettingKey;
    if (reported.has(key)) continue;
    const label = settings.get(key)?.label ?? SETTING_VARIABLES[key];
    problems.push(describeProblem(key, label, detail, isDevelopment));
  }
  if (problems.length > 0) return { ok: false, problems };

  const secret = (value.secret as string | undefined) ?? DEFAULT_JWT_SECRET;
  const usesDefaultSecret = secret === DEFAULT_JWT_SECRET;
  if (usesDefaultSecret && isDevelopment) {
    warnings.push(
      'Using the built-in development JWT secret (PLATFORM_ENV=dev); never use it in production. ' +
        'Generate a secret with `gatehouse secret generate`',
    );
  }

  const security: SecurityConfig = {
    isDevelopment,
    platformEnv: env.PLATFORM_ENV,
    issuer: value.issuer as string,
    accessTokenExpiration: value.accessTokenExpiration as number,
    refreshTokenExpiration: value.refreshTokenExpiration as number,
    audiences: value.audiences as Audience[],
    signingKey: createSecretKey(Buffer.from(secret, 'utf8')),
    secretSource: usesDefaultSecret ? 'default' : secretSource,
    secretFingerprint: fingerprintSecret(secret),
    usesDefaultSecret,
    refreshGraceSeconds: value.refreshGraceSeconds as number,
  };
  const accounts: AccountsConfig = {
    bcryptCost: value.bcryptCost as number,
    allowRegistration: value.allowRegistration as boolean,
  };
  const rateLimits: RateLimitConfig = {
    loginMaxFailures: value.loginMaxFailures as number,
    authRateLimit: value.authRateLimit as number,
  };
  const http: HttpConfig = {
    port: value.port as number,
    host: value.host as string,
    trustProxy: value.trustProxy as boolean,
    corsOrigins: value.corsOrigins as string[],
    logLevel: value.logLevel as HttpConfig['logLevel'],
    metricsPublic: value.metricsPublic as boolean,
    metricsPort: value.metricsPort as number | undefined,
  };
  const database: DatabaseConfig = {
    url: value.databaseUrl as string | undefined,
    dataDir: value.dataDir as string,
  };
  const redis: RedisConfig = { url: value.redisUrl as string | undefined };
  return { ok: true, config: { security, accounts, rateLimits, http, database, redis, warnings } };
}

/** Like `loadGatehouseConfig`, but throws a `ConfigValidationError` listing every problem. */
export function loadGatehouseConfigOrThrow(env: Environment = process.env): GatehouseConfig {
  const result = loadGatehouseConfig(env);
  if (!result.ok) throw new ConfigValidationError(result.problems);
  return result.config;
}

/** A short, stable, non-reversible identifier of the secret (used as the JWT `kid`). */
export function fingerprintSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);
}

/**
 * `PLATFORM_JWT_TTL` is the first seed's name for `JWT_ACCESS_TOKEN_EXPIRATION`.
 * Returns false when it reported a problem of its own.
 */
function applyAccessTokenAlias(env: Environment, settings: Map<SettingKey, Setting>, problems: string[]): boolean {
  const alias = env.PLATFORM_JWT_TTL;
  if (alias === undefined) return true;
  if (alias.trim() === '') {
    problems.push(`PLATFORM_JWT_TTL: is set but empty; allowed: ${allowedRange('accessTokenExpiration', false)}`);
    return false;
  }
  const primary = env.JWT_ACCESS_TOKEN_EXPIRATION;
  if (primary === undefined) {
    settings.set('accessTokenExpiration', { value: alias, label: 'PLATFORM_JWT_TTL' });
    return true;
  }
  if (primary.trim() !== '' && (Number(alias) !== Number(primary) || Number.isNaN(Number(alias)))) {
    problems.push(
      `PLATFORM_JWT_TTL and JWT_ACCESS_TOKEN_EXPIRATION: both are set, to different values ` +
        `(${alias.trim()} and ${primary.trim()}); set only one (they are the same setting); ` +
        `allowed: ${allowedRange('accessTokenExpiration', false)}`,
    );
    return false;
  }
  return true;
}

/** `PLATFORM_JWT_SECRET_FILE` supplies the secret from a file (Docker and Kubernetes secrets). */
function applySecretFile(env: Environment, settings: Map<SettingKey, Setting>, problems: string[]): SecretSource {
  const path = env.PLATFORM_JWT_SECRET_FILE;
  if (path === undefined) return settings.has('secret') ? 'environment' : 'default';
  if (env.PLATFORM_JWT_SECRET !== undefined) {
    problems.push('PLATFORM_JWT_SECRET and PLATFORM_JWT_SECRET_FILE: both are set; set only one of them');
    return 'environment';
  }
  if (path.trim() === '') {
    problems.push('PLATFORM_JWT_SECRET_FILE: is set but empty; give the path of a file holding the secret');
    return 'file';
  }
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`PLATFORM_JWT_SECRET_FILE: cannot read ${path} (${reason}); give the path of a readable file holding the secret`);
    return 'file';
  }
  const secret = content.replace(/(\r?\n)+$/, '');
  if (secret.trim() === '') {
    problems.push(`PLATFORM_JWT_SECRET_FILE: ${path} is empty; put the secret in it (generate one with \`gatehouse secret generate\`)`);
    return 'file';
  }
  settings.set('secret', { value: secret, label: `PLATFORM_JWT_SECRET_FILE (${path})` });
  return 'file';
}

function describeProblem(key: SettingKey, label: string, detail: Joi.ValidationErrorItem, isDevelopment: boolean): string {
  const shown = SECRET_SETTINGS.has(key) ? 'the value' : JSON.stringify(detail.context?.value);
  let problem: string;
  switch (detail.type) {
    case 'any.required':
      problem = 'is required outside dev';
      break;
    case 'number.base':
      problem = `${shown} is not a number`;
      break;
    case 'number.integer':
      problem = `${shown} is not a whole number`;
      break;
    case 'number.min':
      problem = `${shown} is too small`;
      break;
    case 'number.max':
    case 'number.unsafe':
      problem = `${shown} is too large`;
      break;
    case 'any.invalid':
      problem = `${shown} is the same as PORT`;
      break;
    case 'any.only':
      problem = `${shown} is not allowed`;
      break;
    case 'boolean.base':
      problem = `${shown} is not a boolean`;
      break;
    case 'string.empty':
    case 'string.min':
      problem = 'is empty';
      break;
    case 'string.uri':
    case 'string.uriCustomScheme':
      problem = `${shown} is not a valid URL of the right kind`;
      break;
    case 'string.base':
      problem = `${shown} is not a string`;
      break;
    default:
      // Custom rules (audiences, secret length) carry their own wording.
      problem = detail.message;
  }
  let line = `${label}: ${problem}; allowed: ${allowedRange(key, isDevelopment)}`;
  if (key === 'accessTokenExpiration' && detail.type === 'number.max') {
    line += `. Expirations are in seconds, not milliseconds (${MAX_ACCESS_TOKEN_EXPIRATION} seconds is 1 year)`;
  }
  return line;
}
