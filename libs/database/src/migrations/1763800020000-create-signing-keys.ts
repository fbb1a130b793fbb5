import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSigningKeys1763800020000 implements MigrationInterface {
  name = 'CreateSigningKeys1763800020000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The asymmetric keys access tokens are signed with (SPEC section 5). The public half is kept
    // as a JWK, as /.well-known/jwks.json publishes it; the private half is encrypted with a key
    // derived from PLATFORM_JWT_SECRET (libs/auth SigningKeySeal). A key signs from activates_at
    // until retired_at, and is published until the last token it signed has expired.
    await queryRunner.query(`
      CREATE TABLE signing_keys (
        kid text PRIMARY KEY,
        algorithm text NOT NULL CHECK (algorithm IN ('RS256', 'ES256', 'EdDSA')),
        public_jwk jsonb NOT NULL,
        sealed_private_key bytea NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activates_at timestamptz NOT NULL,
        retired_at timestamptz,
        CHECK (retired_at IS NULL OR retired_at >= created_at)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE signing_keys');
  }
}
