import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { announceRevocations } from '../revocation/revocation-channel.js';
import { type ClientRevocationReason, OAuthClient } from './client.entity.js';

export interface NewClient {
  name: string;
  secretHash: Buffer;
  audiences: string[];
  resources: string[];
}

/** What a change of a client's session did: the session revoked and the one that replaces it. */
export interface SessionChange {
  client: OAuthClient;
  revokedSessionId: string;
}

/**
 * The only place that touches `oauth_clients` and `oauth_client_revoked_sessions`. Every change
 * that revokes a client's session records the revocation and announces it (NOTIFY, delivered on
 * commit) in the transaction that makes it.
 */
@Injectable()
export class ClientsRepository {
  constructor(
    @InjectRepository(OAuthClient) private readonly clients: Repository<OAuthClient>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  insert(client: NewClient): Promise<OAuthClient> {
    return this.clients.save(this.clients.create({ ...client, sessionId: randomUUID(), disabled: false }));
  }

  findById(id: string): Promise<OAuthClient | null> {
    return this.clients.findOneBy({ id });
  }

  /** Every client, oldest first. */
  list(): Promise<OAuthClient[]> {
    return this.clients.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Disables a live client and revokes its session. Null when there is no such live client. */
  disable(id: string): Promise<SessionChange | null> {
    return this.changeSession(id, 'client_disabled', (manager) =>
      manager.query<[OAuthClient[], number]>(
        `UPDATE oauth_clients SET disabled = true, disabled_at = now(), updated_at = now()
          WHERE id = $1 AND NOT disabled
      RETURNING id`,
        [id],
      ),
    );
  }

  /** A new secret for a live client, whose session (its tokens) is revoked and replaced. Null when there is no such live client. */
  rotateSecret(id: string, secretHash: Buffer): Promise<SessionChange | null> {
    return this.changeSession(id, 'secret_rotated', (manager) =>
      manager.query<[OAuthClient[], number]>(
        `UPDATE oauth_clients SET secret_hash = $2, session_id = gen_random_uuid(), secret_rotated_at = now(), updated_at = now()
          WHERE id = $1 AND NOT disabled
      RETURNING id`,
        [id, secretHash],
      ),
    );
  }

  /**
   * Revokes the client's tokens of session `sessionId` (RFC 7009): a new session replaces it, so
   * the client's next token works. Null when that is not the client's current session.
   */
  revokeSession(id: string, sessionId: string): Promise<SessionChange | null> {
    return this.changeSession(id, 'token_revoked', (manager) =>
      manager.query<[OAuthClient[], number]>(
        `UPDATE oauth_clients SET session_id = gen_random_uuid(), updated_at = now()
          WHERE id = $1 AND session_id = $2
      RETURNING id`,
        [id, sessionId],
      ),
    );
  }

  /** Client sessions revoked at or after `since`, with when (the revoked-session set's reconciliation). */
  async revokedSince(since: Date): Promise<{ id: string; revokedAt: Date }[]> {
    const rows = await this.dataSource.query<{ session_id: string; revoked_at: Date }[]>(
      'SELECT session_id, revoked_at FROM oauth_client_revoked_sessions WHERE revoked_at >= $1',
      [since],
    );
    return rows.map((row) => ({ id: row.session_id, revokedAt: row.revoked_at }));
  }

  /**
   * Locks the client row, runs `update` (which matches the row or not), and records and
   * announces the session the row had before as revoked.
   */
  private changeSession(
    id: string,
    reason: ClientRevocationReason,
    update: (manager: EntityManager) => Promise<[OAuthClient[], number]>,
  ): Promise<SessionChange | null> {
    return this.dataSource.transaction(async (manager) => {
      const [before] = await manager.query<{ session_id: string }[]>('SELECT session_id FROM oauth_clients WHERE id = $1 FOR UPDATE', [id]);
      if (before === undefined) return null;
      const [rows] = await update(manager);
      if (rows.length === 0) return null;
      await manager.query('INSERT INTO oauth_client_revoked_sessions (session_id, client_id, reason) VALUES ($1, $2, $3)', [
        before.session_id,
        id,
        reason,
      ]);
      await announceRevocations((sql, values) => manager.query(sql, values), [before.session_id]);
      const client = await manager.findOneByOrFail(OAuthClient, { id });
      return { client, revokedSessionId: before.session_id };
    });
  }
}
