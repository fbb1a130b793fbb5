import Joi from 'joi';
import { isIP } from 'node:net';
import { AUDIENCES, LOG_LEVELS, SIGNING_ALGORITHMS, type TrustedProxies } from './gatehouse-config.js';
import { DEFAULT_JWT_SECRET, hasPlaceholderPassword, isPlaceholder } from './placeholders.js';

/** The longest absolute session lifetime allowed, in seconds (10 years). */
const MAX_SESSION_LIFETIME = 315_360_000;
export const MAX_ACCESS_TOKEN_EXPIRATION = 31_536_000;

export const MIN_SECRET_BYTES = 32;

/*
 * Every problem is one line, `<where the value came from>: <problem>; allowed: <range>`, and Joi
 * writes it from the key's messages: `{{#label}}` is the key, i.e. the variable's name (the
 * loader relabels values that came from the profile, the alias or the secret file).
 */

// Values are shown as JSON, so "30d" is quoted but 0 is not; the secret only by its length.
// (Joi's typings leave out the `functions` option of templates.)
const TEMPLATE_FUNCTIONS = {
  functions: {
    json: (value: unknown) => JSON.stringify(value),
    bytes: (value: string) => Buffer.byteLength(value, 'utf8'),
    // A URL as JSON with the password of its user information masked: a mistyped DATABASE_URL
    // must not put the database password on stderr or in the logs.
    url: (value: unknown) => JSON.stringify(String(value).replace(/^([^:/@]*:\/\/[^:/@]*:)[^@]*@/, '$1***@')),
  },
} as Joi.ReferenceOptions;

/** How Gatehouse words the errors of Joi's own rules; a setting adds the problems of its custom rules. */
const PROBLEMS: Readonly<Record<string, string>> = {
  'number.base': '{{json(#value)}} is not a number',
  'number.integer': '{{json(#value)}} is not a whole number',
  'number.min': '{{json(#value)}} is too small',
  'number.max': '{{json(#value)}} is too large',
  'number.unsafe': '{{json(#value)}} is too large',
  'number.infinity': 'cannot be infinity',
  'boolean.base': '{{json(#value)}} is not a boolean',
  'string.base': '{{json(#value)}} is not a string',
  'string.empty': 'is empty',
  'string.uri': '{{url(#value)}} is not a valid URL of the right kind',
  'string.uriCustomScheme': '{{url(#value)}} is not a valid URL of the right kind',
  'any.only': '{{json(#value)}} is not allowed',
};

/** A Joi message template (Joi's typings give `Joi.x` no return type of its own). */
type Message = Joi.LanguageMessages[string];

function line(problem: string, range: string): Message {
  return Joi.x(`{{#label}}: ${problem}; allowed: ${range}`, TEMPLATE_FUNCTIONS) as Message;
}

/**
 * States a setting's range once: as its description (for the lines the loader writes itself,
 * such as "is set but empty") and at the end of each of its messages.
 */
function setting<T extends Joi.AnySchema>(schema: T, range: string, problems: Record<string, string> = {}): T {
  const messages: Joi.LanguageMessages = {};
  for (const [code, problem] of Object.entries({ ...PROBLEMS, ...problems })) messages[code] = line(problem, range);
  return schema.description(range).messages(messages);
}

const integer = () => Joi.number().integer();
const boolean = () => Joi.boolean().truthy('1', 'yes', 'on').falsy('0', 'no', 'off');
const BOOLEAN_RANGE = 'true or false';

/** Splits, trims and de-duplicates an audience list given as a comma string or a YAML list. */
const audienceList = Joi.custom((value: unknown, helpers) => {
  const entries = Array.isArray(value) ? value.map(String) : String(value).split(',');
  const audiences: string[] = [];
  for (const entry of entries.map((e) => e.trim())) {
    if (entry === '') return helpers.error('audiences.emptyEntry');
    if (!(AUDIENCES as readonly string[]).includes(entry)) return helpers.error('audiences.unknown', { audience: entry });
    if (!audiences.includes(entry)) audiences.push(entry);
  }
  return audiences.length > 0 ? audiences : helpers.error('audiences.none');
});

/** `https://a.example,https://b.example` → a list of origins (scheme, host and optional port), or `*`. */
const originList = Joi.custom((value: unknown, helpers) => {
  const origins: string[] = [];
  for (const entry of String(value)
    .split(',')
    .map((e) => e.trim())) {
    if (entry !== '*' && !/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(entry)) {
      return helpers.error('origins.invalid', { origin: entry });
    }
    if (!origins.includes(entry)) origins.push(entry);
  }
  return origins;
});

/** `10.0.0.7`, `2001:db8::1`, `10.0.0.0/8` or `2001:db8::/32`: what Fastify's `trustProxy` list takes as an address. */
function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * `false`; a number of proxy hops (`true` = 1, `0` = `false`); or a comma-separated list of proxy
 * addresses and CIDRs. Entries that are not IP addresses (host names, `loopback`, typos) are
 * ignored with a warning, as SPEC section 1 says: trusting a name would trust whatever it resolves to.
 */
const trustedProxies = Joi.custom((value: unknown, helpers) => {
  const text = String(value).trim();
  const word = text.toLowerCase();
  if (['false', 'no', 'off'].includes(word)) return false;
  if (['true', 'yes', 'on'].includes(word)) return 1;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (!Number.isSafeInteger(hops)) return helpers.error('proxies.hops', { hops: text });
    return hops === 0 ? false : hops;
  }
  const proxies: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim())) {
    if (entry === '') continue;
    if (!isAddressOrCidr(entry)) helpers.warn('proxies.ignored', { entry });
    else if (!proxies.includes(entry)) proxies.push(entry);
  }
  const trusted: TrustedProxies = proxies.length > 0 ? proxies : false;
  return trusted;
});

/** Outside dev, a secret copied from an example file (`change-me`, `<jwt-secret>`…) is refused. */
const notPlaceholder: Joi.CustomValidator<string> = (value, helpers) =>
  isPlaceholder(value) ? helpers.error('secret.placeholder') : value;
/**
 * `PLATFORM_JWT_PREVIOUS_SECRETS`: earlier HS256 secrets, comma-separated (the `_FILE` variant
 * gives them one per line, already split). Outside dev each must be a real secret of at least
 * 32 bytes, and never the built-in one. The lines name an entry by its position, never its text.
 */
function previousSecrets(isDevelopment: boolean) {
  return Joi.custom((value: unknown, helpers) => {
    const entries = (Array.isArray(value) ? value.map(String) : String(value).split(',')).map((entry) => entry.trim());
    const secrets: string[] = [];
    for (const [index, secret] of entries.entries()) {
      const position = index + 1;
      if (secret === '') return helpers.error('secrets.empty', { position });
      if (!isDevelopment) {
        if (secret === DEFAULT_JWT_SECRET) return helpers.error('secrets.default', { position });
        if (isPlaceholder(secret)) return helpers.error('secrets.placeholder', { position });
        const bytes = Buffer.byteLength(secret, 'utf8');
        if (bytes < MIN_SECRET_BYTES) return helpers.error('secrets.short', { position, bytes });
      }
      if (!secrets.includes(secret)) secrets.push(secret);
    }
    return secrets;
  });
}

/** `https://auth.example.com` (an http or https URL without query or fragment), kept without its trailing slash. */
const publicUrl = Joi.string()
  .trim()
  .uri({ scheme: ['http', 'https'] })
  .custom((value: string, helpers) => {
    const url = new URL(value);
    if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) return helpers.error('url.query');
    return value.replace(/\/+$/, '');
  });

/** Outside dev, a URL whose password was copied from an example file is refused. */
const noPlaceholderPassword: Joi.CustomValidator<string> = (value, helpers) =>
  hasPlaceholderPassword(value) ? helpers.error('password.placeholder') : value;
const PLACEHOLDER_PASSWORD = { 'password.placeholder': 'its password is a placeholder from an example' };

/**
 * Every setting, keyed by its environment variable, in the order problems are reported.
 * `isDevelopment` (`PLATFORM_ENV=dev`) relaxes the rules that say "dev".
 */
function settingsSchema(isDevelopment: boolean): Joi.ObjectSchema {
  const issuer = Joi.string().trim();
  const accessRange = `an integer number of seconds from 1 to ${MAX_ACCESS_TOKEN_EXPIRATION} (1 year)`;
  const secretRange = `a secret of at least ${MIN_SECRET_BYTES} bytes outside dev; generate one with \`gatehouse secret generate\``;
  const urlRule = (url: Joi.StringSchema) => (isDevelopment ? url : url.custom(noPlaceholderPassword));

  return Joi.object({
    JWT_ISSUER: setting(
      isDevelopment ? issuer.default('gatehouse-local') : issuer.required(),
      'a non-empty string (required outside dev)',
      // A new user meets this line first when dev mode did not reach a command: say how to reach it.
      { 'any.required': 'is required outside dev (for development, set PLATFORM_ENV=dev, e.g. in .env)' },
    ),
    JWT_ACCESS_TOKEN_EXPIRATION: setting(integer().min(1).max(MAX_ACCESS_TOKEN_EXPIRATION).default(2_592_000), accessRange)
      // Milliseconds are the likely mistake (2592000000 for 30 days), so the line says so.
      .messages({
        'number.max': line(
          '{{json(#value)}} is too large',
          `${accessRange}. Expirations are in seconds, not milliseconds (${MAX_ACCESS_TOKEN_EXPIRATION} seconds is 1 year)`,
        ),
      }),
    JWT_REFRESH_TOKEN_EXPIRATION: setting(integer().min(1).default(15_552_000), 'an integer number of seconds greater than 0'),
    JWT_AUDIENCES: setting(audienceList.default([...AUDIENCES]), `a non-empty comma-separated list of ${AUDIENCES.join(', ')}`, {
      'audiences.emptyEntry': 'has an empty entry',
      'audiences.unknown': '"{{#audience}}" is not a known audience',
      'audiences.none': 'lists no audience',
    }),
    // Only the placeholder and length rules can fail for a string; their lines never show the secret.
    PLATFORM_JWT_SECRET: isDevelopment
      ? setting(Joi.string(), 'a non-empty string')
      : setting(Joi.string().custom(notPlaceholder).min(MIN_SECRET_BYTES, 'utf8'), secretRange, {
          'secret.placeholder': 'is a placeholder from an example, not a secret',
          'string.min': 'is only {{bytes(#value)}} bytes long',
        }),
    JWT_SIGNING_ALGORITHM: setting(
      Joi.string()
        .trim()
        .valid(...SIGNING_ALGORITHMS)
        .default('HS256'),
      `one of ${SIGNING_ALGORITHMS.join(', ')}`,
    ),
    PLATFORM_JWT_PREVIOUS_SECRETS: setting(
      previousSecrets(isDevelopment),
      isDevelopment
        ? 'a comma-separated list of earlier secrets'
        : `a comma-separated list of earlier secrets, each of at least ${MIN_SECRET_BYTES} bytes and never the built-in development secret`,
      {
        'secrets.empty': 'entry {{#position}} is empty',
        'secrets.default': 'entry {{#position}} is the public built-in development secret',
        'secrets.placeholder': 'entry {{#position}} is a placeholder from an example, not a secret',
        'secrets.short': 'entry {{#position}} is only {{#bytes}} bytes long',
      },
    ),
    JWT_KEY_ROTATION_DAYS: setting(
      integer().min(0).max(3650).default(90),
      'an integer number of days from 0 to 3650 (0 = rotate only with `gatehouse keys rotate`)',
    ),
    PUBLIC_URL: setting(publicUrl, 'an http:// or https:// URL without query, such as https://auth.example.com', {
      'url.query': '{{url(#value)}} has a query or fragment',
    }),
    DATABASE_URL: setting(
      urlRule(Joi.string().uri({ scheme: ['postgres', 'postgresql'] })),
      'a postgres:// or postgresql:// URL, or unset for the embedded PostgreSQL',
      PLACEHOLDER_PASSWORD,
    ),
    GATEHOUSE_DATA_DIR: setting(Joi.string().trim().default('.data'), 'a directory path'),
    REDIS_URL: setting(
      urlRule(Joi.string().uri({ scheme: ['redis', 'rediss'] })),
      'a redis:// or rediss:// URL, or unset for in-process counters',
      PLACEHOLDER_PASSWORD,
    ),
    REDIS_KEY_PREFIX: setting(
      Joi.string()
        .pattern(/^[A-Za-z0-9_:.{}-]{1,64}$/)
        .default('gatehouse:'),
      '1 to 64 letters, digits, _ : . - and curly braces',
      { 'string.pattern.base': '{{json(#value)}} is not a key prefix' },
    ),
    PORT: setting(integer().min(0).max(65_535).default(3000), 'an integer from 0 to 65535'),
    HOST: setting(Joi.string().trim().default('127.0.0.1'), 'a host name or IP address'),
    BCRYPT_COST: isDevelopment
      ? setting(integer().min(4).max(15).default(12), 'an integer from 4 to 15 (dev)')
      : setting(integer().min(10).max(15).default(12), 'an integer from 10 to 15'),
    // Unset: the CPUs available (the container's quota counts), at most 4 (defaultBcryptWorkers).
    BCRYPT_WORKERS: setting(integer().min(1).max(64), 'an integer from 1 to 64'),
    ALLOW_REGISTRATION: setting(boolean().default(true), BOOLEAN_RANGE),
    LOGIN_MAX_FAILURES: setting(integer().min(1).default(10), 'an integer of at least 1'),
    AUTH_RATE_LIMIT: setting(integer().min(1).default(60), 'an integer of at least 1'),
    TRUST_PROXY: setting(
      trustedProxies.default(false),
      'false; a number of proxy hops (true = 1); or a comma-separated list of proxy IP addresses or CIDRs',
      {
        'proxies.hops': '{{#hops}} is too large a number of hops',
        'proxies.ignored': '"{{#entry}}" is not an IP address or CIDR, so it is ignored',
      },
    ),
    INVITATION_RATE_LIMIT: setting(integer().min(1).default(20), 'an integer of at least 1'),
    // A week by default; at most a year.
    INVITATION_EXPIRATION: setting(
      integer().min(1).max(31_536_000).default(604_800),
      'an integer number of seconds from 1 to 31536000 (1 year)',
    ),
    REFRESH_GRACE_SECONDS: setting(integer().min(0).max(60).default(10), 'an integer number of seconds from 0 to 60'),
    SESSION_MAX_LIFETIME: setting(
      integer().min(60).max(MAX_SESSION_LIFETIME).default(31_536_000),
      'an integer number of seconds from 60 to 315360000 (10 years)',
    ),
    LOG_LEVEL: setting(
      Joi.string()
        .trim()
        .valid(...LOG_LEVELS)
        .default('info'),
      `one of ${LOG_LEVELS.join(', ')}`,
    ),
    LOG_PROBE_REQUESTS: setting(boolean().default(true), BOOLEAN_RANGE),
    CORS_ORIGINS: setting(
      originList.default([]),
      'a comma-separated list of origins such as https://app.example.com, or * for any origin',
      { 'origins.invalid': '"{{#origin}}" is not an origin' },
    ),
    METRICS_PUBLIC: setting(boolean().default(false), BOOLEAN_RANGE),
    METRICS_PORT: setting(integer().min(1).max(65_535).invalid(Joi.ref('PORT')), 'an integer from 1 to 65535, other than PORT', {
      'any.invalid': '{{json(#value)}} is the same as PORT',
    }),
    // Labels print bare (JWT_ISSUER, not "JWT_ISSUER"), as the variable is written in a shell.
  }).prefs({ errors: { wrap: { label: false } } });
}

interface Settings {
  schema: Joi.ObjectSchema;
  /** Each setting's range (its description), by variable name. */
  ranges: Record<string, string>;
}
const built = new Map<boolean, Settings>();

/** The settings of a mode, built once: compiling the message templates takes tens of milliseconds. */
export function settingsFor(isDevelopment: boolean): Settings {
  let settings = built.get(isDevelopment);
  if (settings === undefined) {
    const schema = settingsSchema(isDevelopment);
    const keys = schema.describe().keys as Record<string, { flags: { description: string } }>;
    settings = { schema, ranges: Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, key.flags.description])) };
    built.set(isDevelopment, settings);
  }
  return settings;
}
