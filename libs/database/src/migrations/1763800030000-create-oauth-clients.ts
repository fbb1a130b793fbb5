import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateOauthClients1763800030000 implements MigrationInterface {
  name = 'CreateOauthClients1763800030000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Services registered with Gatehouse (SPEC section 6). Only the SHA-256 of a client's secret
    // is kept: the secret is 256 random bits, which no hash needs to slow down (see README).
    // `session_id` is the `sid` of the client's own tokens, so revoking it (disable,
    // rotate-secret, RFC 7009 revocation) revokes them on every instance, as a user's session.
    await queryRunner.query(`
      CREATE TABLE oauth_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        secret_hash bytea NOT NULL,
        audiences text[] NOT NULL CHECK (cardinality(audiences) > 0),
        resources text[] NOT NULL DEFAULT '{}',
        session_id uuid NOT NULL UNIQUE,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        secret_rotated_at timestamptz,
        disabled_at timestamptz
      )`);
    // Every client session ever revoked, with when: what instances that missed the NOTIFY (or
    // started later) load into their revoked-session set, as they do from sessions.revoked_at.
    await queryRunner.query(`
      CREATE TABLE oauth_client_revoked_sessions (
        session_id uuid PRIMARY KEY,
        client_id uuid NOT NULL REFERENCES oauth_clients(id) ON DELETE CASCADE,
        reason varchar(32) NOT NULL CHECK (reason IN ('client_disabled', 'secret_rotated', 'token_revoked')),
        revoked_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query('CREATE INDEX oauth_client_revoked_sessions_revoked_at ON oauth_client_revoked_sessions (revoked_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE oauth_client_revoked_sessions');
    await queryRunner.query('DROP TABLE oauth_clients');
  }
}
