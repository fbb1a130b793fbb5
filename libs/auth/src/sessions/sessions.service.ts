import { Injectable } from '@nestjs/common';
import { Transactions } from '@app/database';
import { DomainError } from '@app/errors';
import { UsersRepository } from '@app/users';
import { RevokedSessions } from '../revocation/revoked-sessions.js';
import type { RevocationReason, Session } from './session.entity.js';
import { type RevocationScope, SessionsRepository } from './sessions.repository.js';

export type LogoutScope = 'local' | 'global' | 'others';

export interface SessionView {
  id: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null;
  ip: string | null;
  audiences: string[];
  current: boolean;
}

export class SessionNotFound extends DomainError {
  constructor() {
    super('not_found', 'Session not found');
  }
}

/** Revoking sessions: at once in this process, and through NOTIFY on every instance. */
@Injectable()
export class SessionsService {
  constructor(
    private readonly sessions: SessionsRepository,
    private readonly users: UsersRepository,
    private readonly transactions: Transactions,
    private readonly revoked: RevokedSessions,
  ) {}

  async revoke(scope: RevocationScope, reason: RevocationReason): Promise<string[]> {
    const ids = await this.sessions.revoke(scope, reason);
    this.revoked.markRevoked(ids);
    return ids;
  }

  /**
   * Disables the user and revokes every session it has, in one transaction, on every instance.
   * False when there is no such user.
   */
  async disableUser(userId: string): Promise<boolean> {
    const ids = await this.transactions.run(async (manager) =>
      (await this.users.setDisabled(userId, true, manager)) ? this.sessions.revokeWithin(manager, { userId }, 'user_disabled') : null,
    );
    if (ids === null) return false;
    this.revoked.markRevoked(ids);
    return true;
  }

  logout(userId: string, sessionId: string, scope: LogoutScope): Promise<string[]> {
    switch (scope) {
      case 'local':
        return this.revoke({ userId, sessionId }, 'logout');
      case 'global':
        return this.revoke({ userId }, 'logout_global');
      case 'others':
        return this.revoke({ userId, exceptSessionId: sessionId }, 'logout_others');
    }
  }

  /** A page of the user's live sessions, most recently used first; `current` marks the caller's. */
  async list(
    userId: string,
    currentSessionId: string,
    limit: number,
    offset: number,
  ): Promise<{ items: SessionView[]; total: number; limit: number; offset: number }> {
    const { items, total } = await this.sessions.listActive(userId, limit, offset);
    return { items: items.map((session) => toView(session, currentSessionId)), total, limit, offset };
  }

  /** Revokes one of the caller's own sessions; anyone else's, or an unknown id, is 404. */
  async deleteOwn(userId: string, sessionId: string): Promise<void> {
    const revoked = await this.revoke({ userId, sessionId }, 'deleted');
    if (revoked.length === 0) throw new SessionNotFound();
  }
}

function toView(session: Session, currentSessionId: string): SessionView {
  return {
    id: session.id,
    created_at: session.createdAt.toISOString(),
    last_used_at: session.lastUsedAt.toISOString(),
    user_agent: session.userAgent,
    ip: session.ip,
    audiences: session.audiences,
    current: session.id === currentSessionId,
  };
}
