import type { SecurityConfig } from './gatehouse-config.js';

/** The resolved security settings as `gatehouse config security show --json` prints them. */
export interface SecuritySummary {
  environment: 'dev' | 'production';
  platform_env: string | null;
  issuer: string;
  access_token_expiration: { seconds: number; human: string };
  refresh_token_expiration: { seconds: number; human: string };
  exchange_token_expiration: { seconds: number; human: string };
  audiences: string[];
  secret: { source: string; fingerprint: string };
  /** How access tokens are signed. */
  signing_algorithm: string;
  /** Earlier secrets still accepted for verification, by fingerprint. */
  previous_secrets: { fingerprint: string }[];
  key_rotation_days: number;
}

export function summariseSecurity(security: SecurityConfig): SecuritySummary {
  return {
    environment: security.isDevelopment ? 'dev' : 'production',
    platform_env: security.platformEnv ?? null,
    issuer: security.issuer,
    access_token_expiration: { seconds: security.accessTokenExpiration, human: humanDuration(security.accessTokenExpiration) },
    refresh_token_expiration: { seconds: security.refreshTokenExpiration, human: humanDuration(security.refreshTokenExpiration) },
    exchange_token_expiration: { seconds: security.exchangeTokenExpiration, human: humanDuration(security.exchangeTokenExpiration) },
    audiences: [...security.audiences],
    secret: { source: security.secretSource, fingerprint: `sha256:${security.secretFingerprint}` },
    signing_algorithm: security.signingAlgorithm,
    previous_secrets: security.previousSecrets.map((previous) => ({ fingerprint: `sha256:${previous.fingerprint}` })),
    key_rotation_days: security.keyRotationDays,
  };
}

const UNITS: readonly [string, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/** 2592000 → "30 days"; 90061 → "1 day 1 hour 1 minute 1 second". */
export function humanDuration(seconds: number): string {
  const parts: string[] = [];
  let rest = seconds;
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count} ${unit}${count === 1 ? '' : 's'}`);
    rest -= count * size;
  }
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
}
