import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type RevocationReason =
  'logout' | 'logout_global' | 'logout_others' | 'deleted' | 'reuse_detected' | 'user_disabled' | 'token_revoked';

@Entity({ name: 'sessions' })
export class Session {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  @Column({ type: 'text', array: true })
  audiences: string[];

  @Column({ name: 'refresh_token_hash', type: 'bytea' })
  refreshTokenHash: Buffer;

  @Column({ name: 'previous_refresh_token_hash', type: 'bytea', nullable: true })
  previousRefreshTokenHash: Buffer | null;

  /** The current refresh token, sealed (`SuccessorSeal`), once the session has rotated. */
  @Column({ name: 'sealed_refresh_token', type: 'bytea', nullable: true })
  sealedRefreshToken: Buffer | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt: Date | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason: RevocationReason | null;
}
