import { createHash, createSecretKey } from 'node:crypto';
import { defaultBcryptWorkers } from './available-cpus.js';
import { settingsFor } from './config.schema.js';
import { readProcessEnvironment } from './env-file.js';
import type { Audience, GatehouseConfig, LogLevel, SecurityConfig, SigningAlgorithm, TrustedProxies } from './gatehouse-config.js';
import { type Environment, gatherSettings } from './sources.js';
import { unknownVariableWarnings } from './unknown-variables.js';

export type { Environment } from './sources.js';

import { DEFAULT_JWT_SECRET } from './placeholders.js';

export { DEFAULT_JWT_SECRET };

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export type ConfigResult =
  | { readonly ok: true; readonly config: GatehouseConfig }
  /** `warnings`: what would have been warned about (a misspelt variable often explains a problem). */
  | { readonly ok: false; readonly problems: readonly string[]; readonly warnings: readonly string[] };

/**
 * Reads and validates every setting at once: the YAML profile (`GATEHOUSE_PROFILE`), then the
 * environment over it, then the schema. Returns every problem found, one line each. Without
 * `env`: the process's environment over the env file (`.env` in the current directory, or
 * `GATEHOUSE_ENV_FILE`), as the server and every `gatehouse` command read it.
 */
export function loadGatehouseConfig(env?: Environment): ConfigResult {
  const source =
    env === undefined
      ? readProcessEnvironment(process.env, process.cwd())
      : { env, file: undefined, fromFile: new Set<string>(), problems: [] };
  return validate(source.env, source.file, source.fromFile, source.problems);
}

function validate(env: Environment, envFile: string | undefined, fromFile: ReadonlySet<string>, fileProblems: string[]): ConfigResult {
  const platformEnv = env.PLATFORM_ENV?.trim();
  const isDevelopment = platformEnv === 'dev';
  const labelOf = (name: string) => (fromFile.has(name) ? `${name} in ${envFile}` : name);
  const warnings: string[] = [];
  if (platformEnv !== undefined && !isDevelopment && platformEnv !== 'production') {
    warnings.push(
      `PLATFORM_ENV=${JSON.stringify(platformEnv)} is not "dev", so Gatehouse runs in production mode ` +
        '(only PLATFORM_ENV=dev selects development mode)',
    );
  }

  const { schema, ranges } = settingsFor(isDevelopment);
  warnings.push(...unknownVariableWarnings(env, Object.keys(ranges), labelOf));
  const { settings, problems, reported, secretSource } = gatherSettings(env, ranges, labelOf);
  problems.unshift(...fileProblems);
  let labelled = schema;
  const raw: Record<string, unknown> = {};
  for (const [name, { value, label }] of settings) {
    if (reported.has(name)) continue;
    raw[name] = value;
    // Error lines name a value by its label: where it came from, when that is not its own variable.
    if (label !== name) labelled = labelled.fork(name, (key) => key.label(label));
  }
  const validation = labelled.validate(raw, { abortEarly: false });
  const error = validation.error;
  for (const detail of error?.details ?? []) if (!reported.has(String(detail.path[0]))) problems.push(detail.message);
  if (problems.length > 0) return { ok: false, problems, warnings };
  // Valid values that are partly ignored (TRUST_PROXY entries that are not addresses).
  for (const detail of validation.warning?.details ?? []) warnings.push(detail.message);

  // Keyed by variable name, the values converted by the schema (numbers, booleans, lists).
  const valid = validation.value as ValidSettings;
  if (valid.JWT_REFRESH_TOKEN_EXPIRATION < valid.JWT_ACCESS_TOKEN_EXPIRATION) {
    warnings.push(
      `JWT_REFRESH_TOKEN_EXPIRATION (${valid.JWT_REFRESH_TOKEN_EXPIRATION} s) is shorter than JWT_ACCESS_TOKEN_EXPIRATION ` +
        `(${valid.JWT_ACCESS_TOKEN_EXPIRATION} s): a refresh token expires before the access token it would renew, ` +
        'so users must sign in again instead of refreshing; make the refresh lifetime the longer one',
    );
  }
  if (!isDevelopment && valid.PUBLIC_URL !== undefined && valid.JWT_ISSUER !== valid.PUBLIC_URL) {
    warnings.push(
      `JWT_ISSUER (${JSON.stringify(valid.JWT_ISSUER)}) is not PUBLIC_URL (${JSON.stringify(valid.PUBLIC_URL)}): OAuth clients that ` +
        'check /.well-known/oauth-authorization-server (RFC 8414 section 3.3) expect the issuer to be that URL',
    );
  }
  const secret = valid.PLATFORM_JWT_SECRET ?? DEFAULT_JWT_SECRET;
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
    issuer: valid.JWT_ISSUER,
    accessTokenExpiration: valid.JWT_ACCESS_TOKEN_EXPIRATION,
    refreshTokenExpiration: valid.JWT_REFRESH_TOKEN_EXPIRATION,
    audiences: valid.JWT_AUDIENCES,
    signingKey: createSecretKey(Buffer.from(secret, 'utf8')),
    secretSource: usesDefaultSecret ? 'default' : secretSource,
    secretFingerprint: fingerprintSecret(secret),
    usesDefaultSecret,
    previousSecrets: (valid.PLATFORM_JWT_PREVIOUS_SECRETS ?? [])
      .filter((previous) => previous !== secret)
      .map((previous) => ({ key: createSecretKey(Buffer.from(previous, 'utf8')), fingerprint: fingerprintSecret(previous) })),
    signingAlgorithm: valid.JWT_SIGNING_ALGORITHM,
    keyRotationDays: valid.JWT_KEY_ROTATION_DAYS,
    refreshGraceSeconds: valid.REFRESH_GRACE_SECONDS,
    sessionMaxLifetime: valid.SESSION_MAX_LIFETIME,
  };
  const config: GatehouseConfig = {
    security,
    accounts: {
      bcryptCost: valid.BCRYPT_COST,
      bcryptWorkers: valid.BCRYPT_WORKERS ?? defaultBcryptWorkers(),
      allowRegistration: valid.ALLOW_REGISTRATION,
    },
    rateLimits: {
      loginMaxFailures: valid.LOGIN_MAX_FAILURES,
      authRateLimit: valid.AUTH_RATE_LIMIT,
      invitationRateLimit: valid.INVITATION_RATE_LIMIT,
    },
    workspaces: { invitationExpiration: valid.INVITATION_EXPIRATION },
    http: {
      port: valid.PORT,
      host: valid.HOST,
      publicUrl: valid.PUBLIC_URL,
      trustProxy: valid.TRUST_PROXY,
      corsOrigins: valid.CORS_ORIGINS,
      logLevel: valid.LOG_LEVEL,
      logProbeRequests: valid.LOG_PROBE_REQUESTS,
      metricsPublic: valid.METRICS_PUBLIC,
      metricsPort: valid.METRICS_PORT,
    },
    database: { url: valid.DATABASE_URL, dataDir: valid.GATEHOUSE_DATA_DIR },
    redis: { url: valid.REDIS_URL, keyPrefix: valid.REDIS_KEY_PREFIX },
    envFile,
    warnings,
  };
  return { ok: true, config };
}

/** What the schema gives back for valid settings (defaults applied). */
interface ValidSettings {
  PLATFORM_JWT_SECRET?: string;
  PLATFORM_JWT_PREVIOUS_SECRETS?: string[];
  JWT_SIGNING_ALGORITHM: SigningAlgorithm;
  JWT_KEY_ROTATION_DAYS: number;
  PUBLIC_URL?: string;
  JWT_ISSUER: string;
  JWT_ACCESS_TOKEN_EXPIRATION: number;
  JWT_REFRESH_TOKEN_EXPIRATION: number;
  JWT_AUDIENCES: Audience[];
  REFRESH_GRACE_SECONDS: number;
  SESSION_MAX_LIFETIME: number;
  BCRYPT_COST: number;
  BCRYPT_WORKERS?: number;
  ALLOW_REGISTRATION: boolean;
  LOGIN_MAX_FAILURES: number;
  AUTH_RATE_LIMIT: number;
  INVITATION_RATE_LIMIT: number;
  INVITATION_EXPIRATION: number;
  PORT: number;
  HOST: string;
  TRUST_PROXY: TrustedProxies;
  CORS_ORIGINS: string[];
  LOG_LEVEL: LogLevel;
  LOG_PROBE_REQUESTS: boolean;
  METRICS_PUBLIC: boolean;
  METRICS_PORT?: number;
  DATABASE_URL?: string;
  GATEHOUSE_DATA_DIR: string;
  REDIS_URL?: string;
  REDIS_KEY_PREFIX: string;
}

/**
 * Outside dev with the built-in secret, Gatehouse starts (with an error line) but issues and
 * accepts no token: valid enough to run, never a configuration to deploy, so
 * `gatehouse config validate` refuses it with this line.
 */
export function builtInSecretProblem(security: SecurityConfig): string | undefined {
  if (!security.usesDefaultSecret || security.isDevelopment) return undefined;
  return (
    'PLATFORM_JWT_SECRET: the public built-in development secret would be used outside dev, ' +
    `so Gatehouse would start but issue and accept no token; allowed: ${settingsFor(false).ranges.PLATFORM_JWT_SECRET}`
  );
}

/** Like `loadGatehouseConfig`, but throws a `ConfigValidationError` listing every problem. */
export function loadGatehouseConfigOrThrow(env?: Environment): GatehouseConfig {
  const result = loadGatehouseConfig(env);
  if (!result.ok) throw new ConfigValidationError(result.problems);
  return result.config;
}

/** A short, stable, non-reversible identifier of the secret (used as the JWT `kid`). */
export function fingerprintSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex').slice(0, 16);
}
