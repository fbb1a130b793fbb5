import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DatabaseNotifications } from '@app/database';
import { ClientsRepository } from '../clients/clients.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { parseAnnouncement, REVOCATION_CHANNEL } from './revocation-channel.js';
import { RevokedSessions } from './revoked-sessions.js';

/** How often the set is reconciled with the database, in case a notification was missed. */
const RECONCILE_INTERVAL_MS = 15_000;
/** Reconciliation looks back this far past its last run, to cover slow commits. */
const RECONCILE_OVERLAP_MS = 60_000;

/**
 * Keeps `RevokedSessions` in step with every instance's revocations: NOTIFY as they commit,
 * a periodic reconciliation with the `sessions` table and the clients' revoked sessions (through
 * their repositories), and one more after each reconnection of the listener. Served from memory while the database is down.
 */
@Injectable()
export class RevocationSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RevocationSync');
  private timer: NodeJS.Timeout | undefined;
  private reconciledUpTo = 0;

  constructor(
    private readonly revoked: RevokedSessions,
    private readonly sessions: SessionsRepository,
    private readonly clients: ClientsRepository,
    private readonly notifications: DatabaseNotifications,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile(Date.now() - this.revoked.retentionMs);
    await this.notifications.listen(REVOCATION_CHANNEL, {
      onMessage: (payload) => this.revoked.markRevoked(parseAnnouncement(payload)),
      // Whatever was announced while disconnected is picked up here.
      onReconnect: () => void this.reconcile(this.reconciledUpTo - RECONCILE_OVERLAP_MS),
    });
    this.timer = setInterval(() => void this.reconcile(this.reconciledUpTo - RECONCILE_OVERLAP_MS), RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Loads revocations made since `sinceMs`, and forgets those whose tokens have all expired. */
  private async reconcile(sinceMs: number): Promise<void> {
    const startedAt = Date.now();
    try {
      const since = new Date(sinceMs);
      // Users' sessions, and clients' (the sid of a client's own tokens).
      const [sessions, clientSessions] = await Promise.all([this.sessions.revokedSince(since), this.clients.revokedSince(since)]);
      for (const row of [...sessions, ...clientSessions]) this.revoked.markRevoked([row.id], row.revokedAt.getTime());
      this.reconciledUpTo = startedAt;
    } catch (error) {
      this.logger.warn(`Could not reconcile revoked sessions (serving from memory): ${(error as Error).message}`);
    }
    this.revoked.forgetExpired(startedAt);
  }
}
