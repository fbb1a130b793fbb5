import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { PreparedStatement } from '@app/database';
import { announceRevocations } from '../revocation/revocation-channel.js';
import { type RevocationReason, Session } from './session.entity.js';

export interface NewSession {
  id: string;
  userId: string;
  audiences: string[];
  refreshTokenHash: Buffer;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface Rotation {
  sessionId: string;
  presentedHash: Buffer;
  successorHash: Buffer;
  /** The successor itself, sealed (`SuccessorSeal`), for a retry within the grace window. */
  successorSealed: Buffer;
  successorExpiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/** Which sessions a revocation covers. */
export type RevocationScope = { sessionId: string; userId: string } | { userId: string; exceptSessionId?: string };

/**
 * The refresh rotation (see `SessionsRepository.rotate`). A disabled user's sessions are all
 * revoked in the transaction that disables it, so a live session is a live user's.
 */
const ROTATE_SESSION = new PreparedStatement<{ user_id: string }>(
  'gatehouse_rotate_session',
  `
  UPDATE sessions
     SET previous_refresh_token_hash = refresh_token_hash,
         refresh_token_hash = $3,
         sealed_refresh_token = $7,
         rotated_at = now(),
         last_used_at = now(),
         expires_at = $4,
         user_agent = COALESCE($5, user_agent),
         ip = COALESCE($6, ip)
   WHERE id = $1 AND refresh_token_hash = $2
     AND revoked_at IS NULL AND expires_at > now()
RETURNING user_id`,
);

/** The only place that touches the `sessions` table. */
@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async insert(session: NewSession): Promise<void> {
    await this.sessions.insert({ ...session, lastUsedAt: new Date() });
  }

  /**
   * Replaces the session's refresh token if, and only if, `presentedHash` is its current one
   * and the session is live. One statement: of concurrent rotations of the same token, exactly
   * one matches. Returns the session's user id, or null when it did not rotate.
   */
  async rotate(rotation: Rotation): Promise<string | null> {
    const [row] = await ROTATE_SESSION.run(this.dataSource, [
      rotation.sessionId,
      rotation.presentedHash,
      rotation.successorHash,
      rotation.successorExpiresAt,
      rotation.userAgent,
      rotation.ip,
      rotation.successorSealed,
    ]);
    return row?.user_id ?? null;
  }

  findById(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  /** A page of a user's live sessions, most recently used first, and how many there are in all. */
  async listActive(userId: string, limit: number, offset: number): Promise<{ items: Session[]; total: number }> {
    const [items, total] = await this.sessions
      .createQueryBuilder('session')
      .where('session.user_id = :userId', { userId })
      .andWhere('session.revoked_at IS NULL')
      .andWhere('session.expires_at > now()')
      .orderBy('session.last_used_at', 'DESC')
      // A stable order, so that pages neither repeat nor skip a session used at the same moment.
      .addOrderBy('session.id', 'ASC')
      .skip(offset)
      .take(limit)
      .getManyAndCount();
    return { items, total };
  }

  /**
   * Revokes the sessions in scope that are still live and announces them to every instance
   * (NOTIFY is delivered when the transaction commits). Returns the ids revoked.
   */
  revoke(scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    return this.dataSource.transaction((manager) => this.revokeWithin(manager, scope, reason));
  }

  /** Sessions revoked at or after `since`, with when (the revocation registry's reconciliation). */
  async revokedSince(since: Date): Promise<{ id: string; revokedAt: Date }[]> {
    const rows = await this.sessions
      .createQueryBuilder('session')
      .select(['session.id', 'session.revokedAt'])
      .where('session.revoked_at >= :since', { since })
      .getMany();
    return rows.map((row) => ({ id: row.id, revokedAt: row.revokedAt! }));
  }

  /** `revoke`, inside a transaction the caller runs (disabling a user revokes its sessions with it). */
  async revokeWithin(manager: EntityManager, scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    const parameters: unknown[] = [scope.userId, reason];
    let filter = 'user_id = $1';
    if ('sessionId' in scope) {
      parameters.push(scope.sessionId);
      filter += ' AND id = $3';
    } else if (scope.exceptSessionId !== undefined) {
      parameters.push(scope.exceptSessionId);
      filter += ' AND id <> $3';
    }
    const [rows] = await manager.query<[{ id: string }[], number]>(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE ${filter} AND revoked_at IS NULL
    RETURNING id`,
      parameters,
    );
    const ids = rows.map((row) => row.id);
    await announceRevocations((sql, values) => manager.query(sql, values), ids);
    return ids;
  }
}
