import { Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { IntrospectionOptions } from './options.js';

/** The longest an introspection answer may be reused (issue 16: revocation bites within 5 s). */
export const MAX_INTROSPECTION_CACHE_SECONDS = 5;
const DEFAULT_TIMEOUT_MS = 2000;
const CACHE_SIZE = 10_000;

/** Gatehouse did not answer the introspection request usefully: the token cannot be judged. */
export const INTROSPECTION_UNAVAILABLE = 'unavailable';

/**
 * Asks Gatehouse's `/oauth/introspect` (RFC 7662) whether a token is still active, with HTTP
 * Basic client authentication, and remembers each answer for at most `cacheSeconds` (and never
 * past the token's expiry). Concurrent questions about one token share one request. Fails
 * closed: no answer means no access (the caller answers 503).
 */
export class TokenIntrospection {
  private readonly logger = new Logger('GatehouseIntrospection');
  private readonly answers: LRUCache<string, boolean>;
  private readonly inFlight = new Map<string, Promise<boolean | typeof INTROSPECTION_UNAVAILABLE>>();
  private readonly authorization: string;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly options: IntrospectionOptions,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {
    const cacheSeconds = options.cacheSeconds ?? MAX_INTROSPECTION_CACHE_SECONDS;
    if (!(cacheSeconds >= 0 && cacheSeconds <= MAX_INTROSPECTION_CACHE_SECONDS)) {
      throw new Error(
        `GatehouseModule: introspection.cacheSeconds must be from 0 to ${MAX_INTROSPECTION_CACHE_SECONDS}, got ${cacheSeconds}`,
      );
    }
    this.cacheMs = cacheSeconds * 1000;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.answers = new LRUCache({ max: CACHE_SIZE, ttl: Math.max(this.cacheMs, 1) });
    // RFC 6749 section 2.3.1: the id and secret are form-encoded before they are joined.
    const credentials = `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`;
    this.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  }

  /** Whether Gatehouse holds the token active, or `unavailable` when it could not tell. `expiresAt`: the token's `exp` (seconds). */
  isActive(token: string, expiresAt: number): Promise<boolean | typeof INTROSPECTION_UNAVAILABLE> {
    const cached = this.answers.get(token);
    if (cached !== undefined) return Promise.resolve(cached);
    let pending = this.inFlight.get(token);
    if (pending === undefined) {
      pending = this.ask(token).then((answer) => {
        this.inFlight.delete(token);
        const ttl = Math.min(this.cacheMs, expiresAt * 1000 - Date.now());
        if (answer !== INTROSPECTION_UNAVAILABLE && ttl > 0) this.answers.set(token, answer, { ttl });
        return answer;
      });
      this.inFlight.set(token, pending);
    }
    return pending;
  }

  private async ask(token: string): Promise<boolean | typeof INTROSPECTION_UNAVAILABLE> {
    try {
      const response = await this.fetchImpl(this.options.endpoint, {
        method: 'POST',
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (response.status !== 200) {
        // 401 here means this app's client id or secret is wrong: a configuration problem, not the token's.
        this.logger.error(`Introspection at ${this.options.endpoint} answered ${response.status}; refusing tokens until it answers 200`);
        await response.body?.cancel();
        return INTROSPECTION_UNAVAILABLE;
      }
      const body = (await response.json()) as { active?: unknown };
      if (typeof body?.active !== 'boolean') {
        this.logger.error(`Introspection at ${this.options.endpoint} answered without a boolean "active"`);
        return INTROSPECTION_UNAVAILABLE;
      }
      return body.active;
    } catch (error) {
      this.logger.error(`Introspection at ${this.options.endpoint} failed: ${error instanceof Error ? error.message : String(error)}`);
      return INTROSPECTION_UNAVAILABLE;
    }
  }
}
