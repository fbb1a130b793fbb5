import Joi from 'joi';
import { AUDIENCES, LOG_LEVELS } from './gatehouse-config.js';

export const MAX_ACCESS_TOKEN_EXPIRATION = 31_536_000;

export const MIN_SECRET_BYTES = 32;

/**
 * The normalised settings the schema validates: one key per setting, whatever its source
 * (environment variable, YAML profile or default). Values are still raw (strings from the
 * environment, numbers or lists from YAML); the schema converts them.
 */
export interface RawSettings {
  issuer?: unknown;
  accessTokenExpiration?: unknown;
  refreshTokenExpiration?: unknown;
  audiences?: unknown;
  secret?: unknown;
  databaseUrl?: unknown;
  dataDir?: unknown;
  redisUrl?: unknown;
  port?: unknown;
  host?: unknown;
  bcryptCost?: unknown;
  allowRegistration?: unknown;
  loginMaxFailures?: unknown;
  authRateLimit?: unknown;
  trustProxy?: unknown;
  refreshGraceSeconds?: unknown;
  logLevel?: unknown;
  corsOrigins?: unknown;
  metricsPublic?: unknown;
  metricsPort?: unknown;
}

export type SettingKey = keyof RawSettings;

/** What each setting allows, in words; every error line ends with it. */
export function allowedRange(key: SettingKey, isDevelopment: boolean): string {
  switch (key) {
    case 'issuer':
      return 'a non-empty string (required outside dev)';
    case 'accessTokenExpiration':
      return `an integer number of seconds from 1 to ${MAX_ACCESS_TOKEN_EXPIRATION} (1 year)`;
    case 'refreshTokenExpiration':
      return 'an integer number of seconds greater than 0';
    case 'audiences':
      return `a non-empty comma-separated list of ${AUDIENCES.join(', ')}`;
    case 'secret':
      return isDevelopment
        ? 'a non-empty string'
        : `a secret of at least ${MIN_SECRET_BYTES} bytes outside dev; generate one with \`gatehouse secret generate\``;
    case 'databaseUrl':
      return 'a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL';
    case 'dataDir':
      return 'a directory path';
    case 'redisUrl':
      return 'a redis:// or rediss:// URL, or unset for in-process counters';
    case 'port':
      return 'an integer from 0 to 65535';
    case 'host':
      return 'a host name or IP address';
    case 'bcryptCost':
      return isDevelopment ? 'an integer from 4 to 15 (dev)' : 'an integer from 10 to 15';
    case 'allowRegistration':
    case 'trustProxy':
      return 'true or false';
    case 'loginMaxFailures':
    case 'authRateLimit':
      return 'an integer of at least 1';
    case 'refreshGraceSeconds':
      return 'an integer number of seconds from 0 to 60';
    case 'logLevel':
      return `one of ${LOG_LEVELS.join(', ')}`;
    case 'corsOrigins':
      return 'a comma-separated list of origins such as https://app.example.com, or * for any origin';
    case 'metricsPublic':
      return 'true or false';
    case 'metricsPort':
      return 'an integer from 1 to 65535, other than PORT';
  }
}

const integer = () => Joi.number().integer().strict(false);
const boolean = () => Joi.boolean().truthy('1', 'yes', 'on').falsy('0', 'no', 'off');

/** Splits, trims and de-duplicates an audience list given as a comma string or a YAML list. */
const audienceList = Joi.custom((value: unknown, helpers) => {
  const entries = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const audiences: string[] = [];
  for (const entry of entries.map((e) => e.trim())) {
    if (entry === '') return helpers.error('audiences.emptyEntry');
    if (!(AUDIENCES as readonly string[]).includes(entry)) {
      return helpers.error('audiences.unknown', { audience: entry });
    }
    if (!audiences.includes(entry)) audiences.push(entry);
  }
  if (audiences.length === 0) return helpers.error('audiences.none');
  return audiences;
}).messages({
  'audiences.emptyEntry': 'has an empty entry',
  'audiences.unknown': '"{{#audience}}" is not a known audience',
  'audiences.none': 'lists no audience',
});

/** `https://a.example,https://b.example` → a list of origins (scheme, host and optional port), or `*`. */
const originList = Joi.custom((value: unknown, helpers) => {
  const origins: string[] = [];
  for (const entry of String(value)
    .split(',')
    .map((e) => e.trim())) {
    if (entry === '*' || /^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(entry)) {
      if (!origins.includes(entry)) origins.push(entry);
    } else {
      return helpers.error('origins.invalid', { origin: entry });
    }
  }
  return origins;
}).messages({ 'origins.invalid': '"{{#origin}}" is not an origin' });

/** The one schema every setting passes through; `isDevelopment` relaxes the dev-only rules. */
export function settingsSchema(isDevelopment: boolean): Joi.ObjectSchema<RawSettings> {
  const issuer = Joi.string().trim().min(1);
  const secretRule = Joi.string()
    .min(1)
    .custom((value: string, helpers) =>
      !isDevelopment && Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES
        ? helpers.error('secret.short', { bytes: Buffer.byteLength(value, 'utf8') })
        : value,
    )
    .messages({ 'secret.short': 'is only {{#bytes}} bytes long' });

  return Joi.object<RawSettings>({
    issuer: isDevelopment ? issuer.default('gatehouse-local') : issuer.required(),
    accessTokenExpiration: integer().min(1).max(MAX_ACCESS_TOKEN_EXPIRATION).default(2_592_000),
    refreshTokenExpiration: integer().min(1).default(15_552_000),
    audiences: audienceList.default([...AUDIENCES]),
    secret: secretRule,
    databaseUrl: Joi.string().uri({ scheme: ['postgres', 'postgresql'] }),
    dataDir: Joi.string().trim().min(1).default('.data'),
    redisUrl: Joi.string().uri({ scheme: ['redis', 'rediss'] }),
    port: integer().min(0).max(65_535).default(3000),
    host: Joi.string().trim().min(1).default('127.0.0.1'),
    bcryptCost: integer()
      .min(isDevelopment ? 4 : 10)
      .max(15)
      .default(12),
    allowRegistration: boolean().default(true),
    loginMaxFailures: integer().min(1).default(10),
    authRateLimit: integer().min(1).default(60),
    trustProxy: boolean().default(false),
    refreshGraceSeconds: integer().min(0).max(60).default(10),
    logLevel: Joi.string()
      .trim()
      .valid(...LOG_LEVELS)
      .default('info'),
    corsOrigins: originList.default([]),
    metricsPublic: boolean().default(false),
    metricsPort: integer().min(1).max(65_535).invalid(Joi.ref('port')),
  });
}
