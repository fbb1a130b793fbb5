import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessions1763800001000 implements MigrationInterface {
  name = 'CreateSessions1763800001000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // One row per login. Only SHA-256 hashes of refresh tokens are stored: the current one and
    // the one it replaced (to tell a concurrent retry from a replay).
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        audiences text[] NOT NULL,
        refresh_token_hash bytea NOT NULL,
        previous_refresh_token_hash bytea,
        rotated_at timestamptz,
        user_agent varchar(512),
        ip varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoked_reason varchar(32)
      )`);
    await queryRunner.query('CREATE INDEX sessions_user_id ON sessions (user_id)');
    await queryRunner.query('CREATE INDEX sessions_revoked_at ON sessions (revoked_at) WHERE revoked_at IS NOT NULL');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE sessions');
  }
}
