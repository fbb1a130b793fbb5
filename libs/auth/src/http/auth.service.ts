import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { AccountsConfig, type Audience, SecurityConfig } from '@app/config';
import { DomainError } from '@app/errors';
import {
  normaliseEmail,
  PasswordHasher,
  PasswordHashingBusy,
  PasswordWorkAbandoned,
  type PublicUser,
  toPublicUser,
  type User,
  UsersService,
} from '@app/users';
import type { LoginDto, RefreshDto, RegisterDto } from './dto/auth.dto.js';
import { AuthMetrics, type LoginResult } from '../auth-metrics.js';
import { AuthRateLimits, type LoginAttempt, TooManyRequests } from './rate-limit/auth-rate-limits.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { SuccessorSeal } from '../sessions/successor-seal.js';
import { isSurface, type TokenClaims } from '../tokens/token-claims.js';
import { TokenProvider } from '../tokens/token-provider.js';

export interface ClientInfo {
  /** The client's address (`clientAddress`): the key of the per-address limits. */
  ip: string;
  userAgent: string | null;
  /** Aborted when the client closes the request: its password work still waiting for a thread is dropped. */
  closed?: AbortSignal;
}

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_expires_in: number;
  audience: Audience[];
  user: PublicUser;
}

export const INVALID_CREDENTIALS = 'Invalid email or password';

export class RegistrationClosed extends DomainError {
  constructor() {
    super('forbidden', 'Registration is closed');
  }
}

export class InvalidAudience extends DomainError {
  constructor() {
    super('invalid', 'Invalid audience');
  }
}

/** 401 from login (`Invalid email or password`) or refresh (why the refresh token is refused). */
export class CredentialsRefused extends DomainError {
  constructor(message: string) {
    super('unauthenticated', message);
  }
}

/** How a login ended: the metric's label, and the refusal when it was refused. */
type LoginOutcome = { result: 'success'; pair: TokenPair } | { result: Exclude<LoginResult, 'success'>; error: unknown };

export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly logger = new Logger('AuthService');

  constructor(
    private readonly security: SecurityConfig,
    private readonly accounts: AccountsConfig,
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly tokens: TokenProvider,
    private readonly sessionRows: SessionsRepository,
    private readonly sessions: SessionsService,
    private readonly seal: SuccessorSeal,
    private readonly limits: AuthRateLimits,
    private readonly metrics: AuthMetrics,
  ) {}

  /** The dummy hash for unknown emails is made before the first login, at BCRYPT_COST. */
  async onModuleInit(): Promise<void> {
    await this.passwords.prepare();
  }

  /** `closed`: the request's signal (its hashing is dropped if it is closed while waiting for a thread). */
  async register(input: RegisterDto, closed?: AbortSignal): Promise<{ user: PublicUser }> {
    if (!this.accounts.allowRegistration) throw new RegistrationClosed();
    const user = await this.users.create({ email: input.email, password: input.password, name: input.name }, closed);
    return { user: toPublicUser(user) };
  }

  async login(input: LoginDto, client: ClientInfo): Promise<TokenPair> {
    const outcome = await this.attemptLogin(input, client).catch((error: unknown): LoginOutcome => ({ result: 'error', error }));
    this.metrics.login(outcome.result);
    if (outcome.result === 'success') return outcome.pair;
    throw outcome.error;
  }

  private async attemptLogin(input: LoginDto, client: ClientInfo): Promise<LoginOutcome> {
    // Outside dev with the built-in secret nothing can be issued: refused before the password is
    // checked, so the answer says nothing about the password and no failure is counted.
    try {
      this.tokens.assertCanIssue();
    } catch (error) {
      return { result: 'issuance_refused', error };
    }
    const audiences = this.narrowAudiences(input.audience);
    if (audiences === null) return { result: 'invalid_audience', error: new InvalidAudience() };
    const account = normaliseEmail(input.email);
    let attempt: LoginAttempt;
    try {
      attempt = await this.limits.beginLogin(account, client.ip);
    } catch (error) {
      if (error instanceof TooManyRequests) return { result: 'locked', error };
      throw error;
    }

    let user: User | null;
    let matches: boolean;
    try {
      user = await this.users.findByEmail(account);
      // Always one real bcrypt comparison, against a dummy hash at the same cost for an unknown email.
      matches = await this.passwords.verify(input.password, user?.passwordHash ?? null, client.closed);
    } catch (error) {
      await attempt.abandoned();
      if (error instanceof PasswordHashingBusy) return { result: 'busy', error };
      if (error instanceof PasswordWorkAbandoned) return { result: 'abandoned', error };
      throw error;
    }
    if (user === null || !matches || user.disabled) {
      await attempt.failed();
      return { result: 'invalid_credentials', error: new CredentialsRefused(INVALID_CREDENTIALS) };
    }
    await attempt.succeeded();
    await this.rehashIfNeeded(user, input.password);

    const sessionId = randomUUID();
    const subject = { userId: user.id, sessionId, audiences };
    const refresh = this.tokens.issueRefreshToken(subject);
    await this.sessionRows.insert({
      id: sessionId,
      userId: user.id,
      audiences,
      refreshTokenHash: hashRefreshToken(refresh.token),
      expiresAt: refresh.expiresAt,
      ip: client.ip,
      userAgent: client.userAgent,
    });
    return { result: 'success', pair: this.pair(user, subject.audiences, this.tokens.issueAccessToken(subject).token, refresh) };
  }

  /**
   * A hash made at another cost than BCRYPT_COST is replaced now that the password is known.
   * The login succeeds whatever happens here: a busy queue or a failure only postpones it.
   */
  private async rehashIfNeeded(user: User, password: string): Promise<void> {
    try {
      await this.users.rehashIfNeeded(user, password);
    } catch (error) {
      if (!(error instanceof PasswordHashingBusy)) {
        this.logger.warn(`Could not rehash the password of user ${user.id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async refresh(input: RefreshDto, client: ClientInfo): Promise<TokenPair> {
    const claims = this.tokens.verifyRefreshToken(input.refresh_token);
    if (typeof claims === 'string') {
      throw new CredentialsRefused(claims === 'expired' ? 'Refresh token expired' : 'Invalid refresh token');
    }
    this.tokens.assertCanIssue();
    const audiences = claims.aud.filter(
      (audience): audience is Audience => isSurface(audience) && this.security.audiences.includes(audience),
    );
    if (audiences.length === 0) throw new CredentialsRefused('Invalid refresh token');
    // Refresh tokens issued before sessions had an absolute lifetime carry no auth_time: their own iat stands in.
    const authTime = claims.auth_time ?? claims.iat;
    if (this.tokens.sessionEnded(authTime)) throw new CredentialsRefused('Refresh token expired');

    const subject = { userId: claims.sub, sessionId: claims.sid, audiences };
    const successor = this.tokens.issueRefreshToken(subject, authTime);
    const presentedHash = hashRefreshToken(input.refresh_token);
    // The user (the token's subject) is read while the session rotates: one round trip's wait, not two.
    const [userId, user] = await Promise.all([
      this.sessionRows.rotate({
        sessionId: claims.sid,
        presentedHash,
        successorHash: hashRefreshToken(successor.token),
        successorSealed: this.seal.seal(successor.token, claims.sid),
        successorExpiresAt: successor.expiresAt,
        ip: client.ip,
        userAgent: client.userAgent,
      }),
      this.users.findById(claims.sub),
    ]);
    if (userId === null) return this.afterRefusedRotation(claims, presentedHash, audiences);
    // A disabled user's sessions are revoked with it, so this is a belt for a user deleted meanwhile.
    if (userId !== claims.sub || user === null || user.disabled) throw new CredentialsRefused('Invalid refresh token');
    return this.pair(user, audiences, this.tokens.issueAccessToken(subject).token, successor);
  }

  /**
   * A validly signed refresh token that did not rotate. The token the session's last rotation
   * replaced, presented again within the grace window, is a retry (concurrent refreshes, or an
   * answer lost on the way): it gets the session's current refresh token, the one the first
   * rotation gave, and a new access token. Any other already-used token is a replay, and the
   * whole session is revoked.
   */
  private async afterRefusedRotation(claims: TokenClaims, presentedHash: Buffer, audiences: Audience[]): Promise<TokenPair> {
    const session = await this.sessionRows.findById(claims.sid);
    if (session === null || session.userId !== claims.sub) throw new CredentialsRefused('Invalid refresh token');
    if (session.revokedAt !== null) throw new CredentialsRefused('Session revoked');
    if (session.expiresAt.getTime() <= Date.now()) throw new CredentialsRefused('Refresh token expired');
    const user = await this.users.findById(claims.sub);
    if (user === null || user.disabled) throw new CredentialsRefused('Invalid refresh token');

    const graceEndsAt = (session.rotatedAt?.getTime() ?? 0) + this.security.refreshGraceSeconds * 1000;
    if (session.previousRefreshTokenHash?.equals(presentedHash) && Date.now() < graceEndsAt) {
      const current = session.sealedRefreshToken === null ? null : this.seal.open(session.sealedRefreshToken, session.id);
      // Sealed under another secret (rotated since), or already replaced: nothing to hand back.
      if (current === null || !hashRefreshToken(current).equals(session.refreshTokenHash)) {
        throw new CredentialsRefused('Refresh token already used');
      }
      this.metrics.refreshRetried();
      const expiresIn = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
      const subject = { userId: claims.sub, sessionId: claims.sid, audiences };
      return this.pair(user, audiences, this.tokens.issueAccessToken(subject).token, { token: current, expiresIn });
    }
    await this.sessions.revoke({ userId: claims.sub, sessionId: claims.sid }, 'reuse_detected');
    this.metrics.refreshReuseDetected();
    throw new CredentialsRefused('Refresh token reuse detected; the session has been revoked');
  }

  /** The requested audiences, which must all be served (null when one is not); none requested means all served. */
  private narrowAudiences(requested: unknown): Audience[] | null {
    if (requested === undefined || requested === null) return [...this.security.audiences];
    const list = Array.isArray(requested) ? requested : [requested];
    const served: readonly string[] = this.security.audiences;
    if (list.length === 0 || !list.every((entry) => typeof entry === 'string' && served.includes(entry))) {
      return null;
    }
    return [...new Set(list as Audience[])];
  }

  private pair(user: User, audiences: Audience[], accessToken: string, refresh: { token: string; expiresIn: number }): TokenPair {
    return {
      access_token: accessToken,
      refresh_token: refresh.token,
      token_type: 'Bearer',
      expires_in: this.security.accessTokenExpiration,
      refresh_expires_in: refresh.expiresIn,
      audience: audiences,
      user: toPublicUser(user),
    };
  }
}
