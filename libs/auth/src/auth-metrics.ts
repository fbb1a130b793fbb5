import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '@app/metrics';

export type LoginResult =
  'success' | 'invalid_credentials' | 'locked' | 'invalid_audience' | 'issuance_refused' | 'busy' | 'abandoned' | 'error';
/** Why a request's access token was refused (the metric's `reason` label). */
export type TokenRefusal = 'missing' | 'format' | 'duplicate' | 'invalid' | 'expired' | 'issuer' | 'revoked' | 'audience' | 'client';
/** `address`: AUTH_RATE_LIMIT; `account_address`: LOGIN_MAX_FAILURES of one address; `account`: the per-account ceiling; `invitation`: INVITATION_RATE_LIMIT. */
export type RateLimit = 'address' | 'account_address' | 'account' | 'invitation';

/** The counters an operator alerts on. Label children are made once: some are on the hot path. */
@Injectable()
export class AuthMetrics {
  private readonly logins: Counter<'result'>;
  private readonly rejections: Counter<'reason'>;
  private readonly rejectionChildren = new Map<TokenRefusal, { inc(value?: number): void }>();
  private readonly reuse: Counter;
  private readonly retries: Counter;
  private readonly issuanceRefused: Counter;
  private readonly rateLimited: Counter<'limit'>;

  constructor(registry: MetricsRegistry) {
    const registers = [registry];
    this.logins = new Counter({ name: 'gatehouse_logins_total', help: 'Login attempts by result', labelNames: ['result'], registers });
    this.rejections = new Counter({
      name: 'gatehouse_token_rejections_total',
      help: 'Access tokens refused by the guard, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.reuse = new Counter({
      name: 'gatehouse_refresh_reuse_detected_total',
      help: 'Refresh tokens presented again after the grace window (the session was revoked)',
      registers,
    });
    this.retries = new Counter({
      name: 'gatehouse_refresh_retries_total',
      help: "Refresh tokens presented again within the grace window, answered with the session's current refresh token",
      registers,
    });
    this.issuanceRefused = new Counter({
      name: 'gatehouse_token_issuance_refused_total',
      help: 'Token issuance refused because the built-in secret is in use outside dev',
      registers,
    });
    this.rateLimited = new Counter({
      name: 'gatehouse_rate_limit_rejections_total',
      help: 'Requests answered 429, by limit',
      labelNames: ['limit'],
      registers,
    });
    for (const reason of ['missing', 'format', 'duplicate', 'invalid', 'expired', 'issuer', 'revoked', 'audience', 'client'] as const) {
      this.rejectionChildren.set(reason, this.rejections.labels(reason));
    }
    // Every series is exported from the start, at zero, so alerts and rates see it.
    for (const child of this.rejectionChildren.values()) child.inc(0);
    for (const result of [
      'success',
      'invalid_credentials',
      'locked',
      'invalid_audience',
      'issuance_refused',
      'busy',
      'abandoned',
      'error',
    ] as const) {
      this.logins.labels(result).inc(0);
    }
    for (const limit of ['address', 'account_address', 'account', 'invitation'] as const) this.rateLimited.labels(limit).inc(0);
  }

  login(result: LoginResult): void {
    this.logins.labels(result).inc();
  }

  tokenRefused(reason: TokenRefusal): void {
    this.rejectionChildren.get(reason)!.inc();
  }

  refreshReuseDetected(): void {
    this.reuse.inc();
  }

  refreshRetried(): void {
    this.retries.inc();
  }

  issuanceRefusedForDefaultSecret(): void {
    this.issuanceRefused.inc();
  }

  rateLimitRejected(limit: RateLimit): void {
    this.rateLimited.labels(limit).inc();
  }
}
