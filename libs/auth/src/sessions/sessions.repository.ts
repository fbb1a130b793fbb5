import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { RevocationRegistry } from '../revocation/revocation-registry.js';
import { User } from '@app/users';
import { type RevocationReason, Session } from './session.entity.js';

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  disabled: boolean;
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

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
  successorExpiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/** Which sessions a revocation covers. */
export type RevocationScope =
  | { sessionId: string; userId: string }
  | { userId: string; exceptSessionId?: string };

/** The refresh rotation (see `SessionsRepository.rotate`). */
const ROTATE_SESSION = `
  UPDATE sessions s
     SET previous_refresh_token_hash = s.refresh_token_hash,
         refresh_token_hash = $3,
         rotated_at = now(),
         last_used_at = now(),
         expires_at = $4,
         user_agent = COALESCE($5, s.user_agent),
         ip = COALESCE($6, s.ip)
    FROM users u
   WHERE s.id = $1 AND s.refresh_token_hash = $2
     AND s.revoked_at IS NULL AND s.expires_at > now()
     AND u.id = s.user_id AND NOT u.disabled
RETURNING u.id, u.email, u.name, u.disabled, u.password_hash, u.created_at, u.updated_at`;

/** What `rotate` needs of node-postgres' pool. */
interface QueryablePool {
  query<Row>(query: { name: string; text: string; values: unknown[] }): Promise<{ rows: Row[] }>;
}

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
   * and the session (and its user) are live. One statement: of concurrent rotations of the
   * same token, exactly one matches. Returns the session's user, or null when it did not rotate.
   */
  async rotate(rotation: Rotation): Promise<User | null> {
    const { rows } = await this.pool().query<UserRow>({
      // Named: each pooled connection parses and plans it once, not on every refresh.
      name: 'gatehouse_rotate_session',
      text: ROTATE_SESSION,
      values: [rotation.sessionId, rotation.presentedHash, rotation.successorHash, rotation.successorExpiresAt, rotation.userAgent, rotation.ip],
    });
    const row = rows[0];
    if (row === undefined) return null;
    return Object.assign(new User(), {
      id: row.id,
      email: row.email,
      name: row.name,
      disabled: row.disabled,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  /**
   * TypeORM's own pool (node-postgres), for the one statement on the hot path: a named
   * prepared statement, which TypeORM's query API cannot express.
   */
  private pool(): QueryablePool {
    return (this.dataSource.driver as PostgresDriver).master as QueryablePool;
  }

  findById(id: string): Promise<Session | null> {
    return this.sessions.findOneBy({ id });
  }

  /** Live sessions of a user, most recently used first. */
  listActive(userId: string): Promise<Session[]> {
    return this.sessions
      .createQueryBuilder('session')
      .where('session.user_id = :userId', { userId })
      .andWhere('session.revoked_at IS NULL')
      .andWhere('session.expires_at > now()')
      .orderBy('session.last_used_at', 'DESC')
      .getMany();
  }

  /**
   * Revokes the sessions in scope that are still live and announces them to every instance
   * (NOTIFY is delivered when the transaction commits). Returns the ids revoked.
   */
  revoke(scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    return this.dataSource.transaction((manager) => this.revokeWithin(manager, scope, reason));
  }

  /**
   * Disables a user and revokes all its sessions in one transaction. Returns the revoked
   * session ids, or null when there is no such user.
   */
  disableUser(userId: string): Promise<string[] | null> {
    return this.dataSource.transaction(async (manager) => {
      const [users] = (await manager.query(
        'UPDATE users SET disabled = true, updated_at = now() WHERE id = $1 RETURNING id',
        [userId],
      )) as [unknown[], number];
      if (users.length === 0) return null;
      return this.revokeWithin(manager, { userId }, 'user_disabled');
    });
  }

  private async revokeWithin(manager: EntityManager, scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    const parameters: unknown[] = [scope.userId, reason];
    let filter = 'user_id = $1';
    if ('sessionId' in scope) {
      parameters.push(scope.sessionId);
      filter += ' AND id = $3';
    } else if (scope.exceptSessionId !== undefined) {
      parameters.push(scope.exceptSessionId);
      filter += ' AND id <> $3';
    }
    const [rows] = (await manager.query(
      `UPDATE sessions SET revoked_at = now(), revoked_reason = $2
        WHERE ${filter} AND revoked_at IS NULL
    RETURNING id`,
      parameters,
    )) as [{ id: string }[], number];
    const ids = rows.map((row) => row.id);
    await RevocationRegistry.notify((sql, values) => manager.query(sql, values), ids);
    return ids;
  }

}
