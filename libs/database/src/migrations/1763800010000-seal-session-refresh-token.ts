import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SealSessionRefreshToken1763800010000 implements MigrationInterface {
  name = 'SealSessionRefreshToken1763800010000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The current refresh token of a rotated session, encrypted (libs/auth SuccessorSeal): a
    // retry of the rotation within the grace window is answered with it. Refresh tokens are
    // still found by their hashes only.
    await queryRunner.query('ALTER TABLE sessions ADD COLUMN sealed_refresh_token bytea');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE sessions DROP COLUMN sealed_refresh_token');
  }
}
