import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash } from 'node:crypto';
import { type RateLimiterAbstract, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimitConfig } from '@app/config';
import { AuthMetrics } from '../../auth-metrics.js';
import { rateLimitKey } from '../client-address.js';
import { RateLimiters, toTooManyRequests } from './rate-limiters.js';

export { TooManyRequests } from './rate-limiters.js';

const ADDRESS_WINDOW_SECONDS = 60;
/** Failed logins are counted in windows of 15 minutes that start at the first failure. */
export const FAILURE_WINDOW_SECONDS = 15 * 60;
/**
 * Once an address has had LOGIN_MAX_FAILURES failed logins on an account, it waits this long
 * before its next try on that account; every further failure doubles the wait, up to the end
 * of the window.
 */
export const FIRST_DELAY_SECONDS = 30;
/** Failed logins per account from all addresses together, as a multiple of LOGIN_MAX_FAILURES. */
export const ACCOUNT_CEILING_FACTOR = 10;

/** One login's place in the failure counts, reserved before its password is checked. */
export interface LoginAttempt {
  /** Wrong password, unknown email or disabled account: the failure stays counted. */
  failed(): Promise<void>;
  /** The right password: this address's failures on the account are forgotten. */
  succeeded(): Promise<void>;
  /** No answer about the password (the hashing queue was full, the client left, an error): it counts for nothing. */
  abandoned(): Promise<void>;
}

/** A counter's answer: `over` when the consumption went past the limiter's points. */
interface Count {
  res: RateLimiterRes;
  over: boolean;
}

/**
 * Brute-force protection (rate-limiter-flexible):
 * - requests per client address per minute to login/register/refresh (AUTH_RATE_LIMIT);
 * - failed logins per account *and* client address (LOGIN_MAX_FAILURES per 15 minutes), then
 *   growing delays for that address only, so an attacker at one address never locks the
 *   owner out at another;
 * - failed logins per account from every address together, up to ACCOUNT_CEILING_FACTOR ×
 *   LOGIN_MAX_FAILURES per 15 minutes, against guessing spread over many addresses.
 * A login reserves its place in the counts before bcrypt runs, so concurrent guesses cannot
 * slip past a limit. Accounts are keyed by a SHA-256 hash of the normalised email, never the
 * email. Counters live in Redis when REDIS_URL is set, so every instance shares them, with an
 * in-process limiter standing in while Redis is unreachable.
 */
@Injectable()
export class AuthRateLimits {
  private readonly perAddress: RateLimiterAbstract;
  /** Failed logins per (account, address): LOGIN_MAX_FAILURES of them before the delays. */
  private readonly pairFailures: RateLimiterAbstract;
  /** One attempt at a time past the limit, and the delay before the next one (a block). */
  private readonly pairTurns: RateLimiterAbstract;
  private readonly accountFailures: RateLimiterAbstract;
  private readonly maxFailures: number;
  /**
   * The hashed ids of the clients that authenticated lately (`checkClient`): introspection
   * authenticates its caller on every request, and a SHA-256 costs it ~3–6 µs. Any id may come
   * in (it is checked after): the cache holds the last thousand of at most 64 characters.
   */
  private readonly clientAccounts = new LRUCache<string, string>({ max: 1_000 });

  constructor(
    limits: RateLimitConfig,
    limiters: RateLimiters,
    private readonly metrics: AuthMetrics,
  ) {
    this.maxFailures = limits.loginMaxFailures;
    this.perAddress = limiters.create('auth-address', limits.authRateLimit, ADDRESS_WINDOW_SECONDS);
    this.pairFailures = limiters.create('login-failures', limits.loginMaxFailures, FAILURE_WINDOW_SECONDS);
    this.pairTurns = limiters.create('login-delay', 1, FIRST_DELAY_SECONDS);
    this.accountFailures = limiters.create(
      'login-account-failures',
      ACCOUNT_CEILING_FACTOR * limits.loginMaxFailures,
      FAILURE_WINDOW_SECONDS,
    );
  }

  /** Counts one request from `address`; 429 over AUTH_RATE_LIMIT per minute. */
  async consumeAddress(address: string): Promise<void> {
    try {
      await this.perAddress.consume(rateLimitKey(address));
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) this.metrics.rateLimitRejected('address');
      throw toTooManyRequests(rejection);
    }
  }

  /**
   * Reserves a login attempt on `account` (the normalised email) from `address`, or refuses it
   * with 429: the account is over its ceiling, or this address must wait before its next try.
   */
  async beginLogin(account: string, address: string): Promise<LoginAttempt> {
    const accountKey = hashAccount(account);
    const pairKey = `${accountKey}:${rateLimitKey(address)}`;

    const accountCount = await count(this.accountFailures, accountKey);
    if (accountCount.over) {
      this.metrics.rateLimitRejected('account');
      throw toTooManyRequests(accountCount.res);
    }
    const pairCount = await count(this.pairFailures, pairKey);
    let holdsTurn = false;
    if (pairCount.over) {
      // Past the limit, an address gets one try per delay: the first to take the turn goes on.
      const turn = await count(this.pairTurns, pairKey);
      if (turn.over) {
        await Promise.all([this.pairFailures.reward(pairKey), this.accountFailures.reward(accountKey)]);
        this.metrics.rateLimitRejected('account_address');
        throw toTooManyRequests(turn.res);
      }
      holdsTurn = true;
    }

    const failures = pairCount.res.consumedPoints;
    const windowLeftMs = pairCount.res.msBeforeNext;
    return {
      failed: async () => {
        if (failures < this.maxFailures) return;
        const delay = FIRST_DELAY_SECONDS * 2 ** Math.min(failures - this.maxFailures, 16);
        // A window that ends sooner ends the delay too: its failures are forgotten then.
        const seconds = Math.max(1, Math.min(delay, Math.ceil(windowLeftMs / 1000)));
        await this.pairTurns.block(pairKey, seconds);
      },
      succeeded: async () => {
        await Promise.all([this.pairFailures.delete(pairKey), this.pairTurns.delete(pairKey), this.accountFailures.reward(accountKey)]);
      },
      abandoned: async () => {
        await Promise.all([
          this.pairFailures.reward(pairKey),
          this.accountFailures.reward(accountKey),
          holdsTurn ? this.pairTurns.delete(pairKey) : undefined,
        ]);
      },
    };
  }

  /**
   * Client authentication on the OAuth routes (a client's secret is 256 random bits: nothing
   * to guess, so no account-wide ceiling that anyone knowing a client id could trip): only
   * failures count, per client and address, and an address past LOGIN_MAX_FAILURES of them
   * within 15 minutes is refused (429) until the window ends. A success costs one look-up, so
   * a resource server introspecting on every request is never slowed or refused by it.
   */
  async checkClient(clientId: string, address: string): Promise<ClientAttempt> {
    let account = this.clientAccounts.get(clientId);
    if (account === undefined) {
      account = hashAccount(clientId.toLowerCase());
      // Client ids are UUIDs (36 characters): anything much longer is hashed each time, never kept.
      if (clientId.length <= 64) this.clientAccounts.set(clientId, account);
    }
    const key = `client:${account}:${rateLimitKey(address)}`;
    const failures = await this.pairFailures.get(key);
    if (failures !== null && failures.consumedPoints >= this.maxFailures) {
      this.metrics.rateLimitRejected('account_address');
      throw toTooManyRequests(failures);
    }
    return {
      failed: async () => {
        await count(this.pairFailures, key);
      },
    };
  }
}

/** What a client authentication reports back: only a failure counts. */
export interface ClientAttempt {
  failed(): Promise<void>;
}

/** Rate-limit keys name an account by a hash of its normalised email: no plain email in Redis. */
export function hashAccount(account: string): string {
  return createHash('sha256').update(account, 'utf8').digest('base64url');
}

/** Consumes one point; a rejection for being over the points is an answer, not an error. */
async function count(limiter: RateLimiterAbstract, key: string): Promise<Count> {
  try {
    return { res: await limiter.consume(key), over: false };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return { res: rejection, over: true };
    throw rejection;
  }
}
