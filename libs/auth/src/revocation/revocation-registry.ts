import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { SecurityConfig } from '@app/config';
import { CLOCK_SKEW_SECONDS } from '../tokens/token-provider.js';

export const REVOCATION_CHANNEL = 'gatehouse_session_revoked';
/** How often the set is reconciled with the database, in case a notification was missed. */
const RECONCILE_INTERVAL_MS = 15_000;
/** Reconciliation looks back this far past its last run, to cover slow commits. */
const RECONCILE_OVERLAP_MS = 60_000;
const LISTEN_RETRY_MS = 2_000;
/** NOTIFY payloads must stay under 8000 bytes: 150 ids of 37 characters. */
const IDS_PER_NOTIFICATION = 150;

/**
 * Revoked sessions whose access tokens may still be unexpired, held in memory so the guard
 * rejects them without a database query. Kept in step across instances by PostgreSQL
 * LISTEN/NOTIFY, reconciled periodically, and still served when the database is down.
 */
@Injectable()
export class RevocationRegistry implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RevocationRegistry');
  /** Session id → when its last access token has surely expired (ms since epoch). */
  private readonly revoked = new Map<string, number>();
  /** Revoked access tokens stay dangerous for at most this long after revocation. */
  private readonly retentionMs: number;
  private listener: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private reconciledUpTo = 0;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    security: SecurityConfig,
  ) {
    this.retentionMs = (security.accessTokenExpiration + CLOCK_SKEW_SECONDS) * 1000;
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  /** Records revocations made by this instance at once, before any notification arrives. */
  markRevoked(sessionIds: readonly string[], revokedAt = Date.now()): void {
    const forgetAfter = revokedAt + this.retentionMs;
    for (const id of sessionIds) this.revoked.set(id, forgetAfter);
  }

  /** SQL that announces revocations; run it inside the transaction that revokes them. */
  static async notify(query: (sql: string, parameters: unknown[]) => Promise<unknown>, sessionIds: readonly string[]): Promise<void> {
    for (let start = 0; start < sessionIds.length; start += IDS_PER_NOTIFICATION) {
      const chunk = sessionIds.slice(start, start + IDS_PER_NOTIFICATION).join(',');
      await query('SELECT pg_notify($1, $2)', [REVOCATION_CHANNEL, chunk]);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile(Date.now() - this.retentionMs);
    await this.listen();
    this.timer = setInterval(() => void this.reconcile(this.reconciledUpTo - RECONCILE_OVERLAP_MS), RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
  }

  /** Loads revocations made since `sinceMs`, and forgets those whose tokens have all expired. */
  private async reconcile(sinceMs: number): Promise<void> {
    const startedAt = Date.now();
    try {
      const rows: { id: string; revoked_at: Date }[] = await this.dataSource.query(
        'SELECT id, revoked_at FROM sessions WHERE revoked_at >= $1',
        [new Date(sinceMs)],
      );
      for (const row of rows) this.markRevoked([row.id], row.revoked_at.getTime());
      this.reconciledUpTo = startedAt;
    } catch (error) {
      this.logger.warn(`Could not reconcile revoked sessions (serving from memory): ${(error as Error).message}`);
    }
    for (const [id, forgetAfter] of this.revoked) if (forgetAfter < startedAt) this.revoked.delete(id);
  }

  private async listen(): Promise<void> {
    const options = this.dataSource.options as { url: string };
    const client = new pg.Client({ connectionString: options.url, application_name: 'gatehouse-revocations' });
    client.on('notification', (message) => {
      if (message.channel === REVOCATION_CHANNEL && message.payload) this.markRevoked(message.payload.split(','));
    });
    client.on('error', (error) => this.logger.warn(`Revocation listener failed: ${error.message}`));
    client.on('end', () => {
      if (this.stopped) return;
      this.logger.warn('Revocation listener disconnected; reconnecting');
      setTimeout(() => void this.reconnect(), LISTEN_RETRY_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
    this.listener = client;
  }

  private async reconnect(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.listen();
      // Whatever was announced while disconnected is picked up here.
      await this.reconcile(this.reconciledUpTo - RECONCILE_OVERLAP_MS);
    } catch (error) {
      this.logger.warn(`Revocation listener could not reconnect: ${(error as Error).message}`);
      setTimeout(() => void this.reconnect(), LISTEN_RETRY_MS).unref();
    }
  }
}
