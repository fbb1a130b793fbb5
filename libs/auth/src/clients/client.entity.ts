import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A service registered with Gatehouse (`gatehouse client create`): it authenticates with its id and secret. */
@Entity({ name: 'oauth_clients' })
export class OAuthClient {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** SHA-256 of the secret; the secret itself is shown once, when it is made. */
  @Column({ name: 'secret_hash', type: 'bytea' })
  secretHash: Buffer;

  /** The surfaces its own tokens may carry. */
  @Column({ type: 'text', array: true })
  audiences: string[];

  /** The resource URIs (RFC 8707) its own tokens may carry. */
  @Column({ type: 'text', array: true })
  resources: string[];

  /** The `sid` of its own tokens; replaced, and the old one revoked, when they are revoked. */
  @Column({ name: 'session_id', type: 'uuid' })
  sessionId: string;

  @Column({ type: 'boolean' })
  disabled: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'secret_rotated_at', type: 'timestamptz', nullable: true })
  secretRotatedAt: Date | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;
}

/** Why a client session was revoked (`oauth_client_revoked_sessions.reason`). */
export type ClientRevocationReason = 'client_disabled' | 'secret_rotated' | 'token_revoked';
