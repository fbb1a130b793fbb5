import type { KeyObject } from 'node:crypto';

export const AUDIENCES = ['web', 'api', 'a2a', 'mcp'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** How access tokens are signed (SPEC section 5): with the HMAC secret, or an asymmetric key Gatehouse keeps. */
export const SIGNING_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/** An earlier HS256 secret, still accepted for verification (PLATFORM_JWT_PREVIOUS_SECRETS). */
export interface PreviousSecret {
  readonly key: KeyObject;
  /** Short SHA-256 fingerprint; the `kid` of the tokens it signed. */
  readonly fingerprint: string;
}

/** Where the signing secret came from; shown by `gatehouse config security show`. */
export type SecretSource = 'default' | 'environment' | 'file';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * The token settings (SPEC sections 1 and 2): what the token provider signs and verifies with.
 * Injected by class token; built only by `loadGatehouseConfig`. The secret itself is held as a
 * KeyObject, so it is never serialised by accident.
 */
export abstract class SecurityConfig {
  /** True only for `PLATFORM_ENV=dev`. */
  readonly isDevelopment: boolean;
  /** The raw `PLATFORM_ENV` value (undefined when unset). */
  readonly platformEnv: string | undefined;
  readonly issuer: string;
  readonly accessTokenExpiration: number;
  readonly refreshTokenExpiration: number;
  readonly audiences: readonly Audience[];
  readonly signingKey: KeyObject;
  readonly secretSource: SecretSource;
  /** Short SHA-256 fingerprint of the secret; also the JWT `kid`. */
  readonly secretFingerprint: string;
  /** True when signing with the public built-in development secret. */
  readonly usesDefaultSecret: boolean;
  /** Earlier secrets: tokens (access and refresh) they signed keep verifying; nothing new is signed with them. */
  readonly previousSecrets: readonly PreviousSecret[];
  /** How access tokens are signed; refresh tokens are always HS256 with the secret (never verifiable with published keys). */
  readonly signingAlgorithm: SigningAlgorithm;
  /** Days between automatic rotations of the asymmetric signing key; 0 = only by `gatehouse keys rotate`. */
  readonly keyRotationDays: number;
  /**
   * A refresh token presented again within this many seconds of its rotation is answered 401
   * without revoking the session (concurrent refreshes from one client).
   */
  readonly refreshGraceSeconds: number;
  /** Seconds a session lives at most from its login, however often it is refreshed. */
  readonly sessionMaxLifetime: number;
}

/** Accounts and passwords: who may register, how hard passwords are hashed. */
export abstract class AccountsConfig {
  readonly bcryptCost: number;
  /** Threads that hash passwords (BCRYPT_WORKERS). */
  readonly bcryptWorkers: number;
  readonly allowRegistration: boolean;
}

/** Brute-force and flood limits on the authentication routes, and on sending invitations. */
export abstract class RateLimitConfig {
  /** Failed logins per account per 15 minutes before 429. */
  readonly loginMaxFailures: number;
  /** Requests per client address per minute to login, register and refresh. */
  readonly authRateLimit: number;
  /** Workspace invitations one user may create per hour. */
  readonly invitationRateLimit: number;
}

/** Workspaces and their invitations. */
export abstract class WorkspacesConfig {
  /** Seconds an invitation may be accepted for, from its creation. */
  readonly invitationExpiration: number;
}

/**
 * Which proxies to believe for the client address (`X-Forwarded-For`, read from the right):
 * none (`false`), this many hops, or the proxies at these addresses or CIDRs.
 */
export type TrustedProxies = false | number | readonly string[];

export abstract class HttpConfig {
  readonly port: number;
  readonly host: string;
  /**
   * Gatehouse's external base URL (no trailing slash), for the metadata documents. Unset: in dev
   * the address it listens on; outside dev the RFC 8414 document answers 404.
   */
  readonly publicUrl: string | undefined;
  /** Fastify's `trustProxy`: whom to believe for the client address in `X-Forwarded-For`. */
  readonly trustProxy: TrustedProxies;
  /** Origins allowed by CORS; empty means CORS is off (no cross-origin browser access). */
  readonly corsOrigins: readonly string[];
  readonly logLevel: LogLevel;
  /** Whether health probes and metrics scrapes get an access-log line. */
  readonly logProbeRequests: boolean;
  /** Serve /metrics on the main port without a token. */
  readonly metricsPublic: boolean;
  /** Serve /metrics on this separate port (for a private network) instead. */
  readonly metricsPort: number | undefined;
}

export abstract class DatabaseConfig {
  /** Unset means: run the embedded PostgreSQL in `dataDir`. */
  readonly url: string | undefined;
  readonly dataDir: string;
}

export abstract class RedisConfig {
  readonly url: string | undefined;
  /** Put before every key Gatehouse writes, so several deployments can share one Redis. */
  readonly keyPrefix: string;
}

/** Every section, validated together once at start-up. */
export interface GatehouseConfig {
  readonly security: SecurityConfig;
  readonly accounts: AccountsConfig;
  readonly rateLimits: RateLimitConfig;
  readonly workspaces: WorkspacesConfig;
  readonly http: HttpConfig;
  readonly database: DatabaseConfig;
  readonly redis: RedisConfig;
  /** The env file some settings came from (`.env`, or GATEHOUSE_ENV_FILE), if any. */
  readonly envFile: string | undefined;
  /** Settings that are valid but deserve a warning at start-up. */
  readonly warnings: readonly string[];
}
