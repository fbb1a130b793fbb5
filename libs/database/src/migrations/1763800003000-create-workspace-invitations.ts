import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateWorkspaceInvitations1763800003000 implements MigrationInterface {
  name = 'CreateWorkspaceInvitations1763800003000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // An invitation is kept once answered (accepted, declined, revoked, or expired when a new one
    // replaces it): who was invited by whom, and what came of it. Deleting a workspace deletes its
    // invitations; deleting the inviter keeps them, without the inviter.
    await queryRunner.query(`
      CREATE TABLE workspace_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        email varchar(320) NOT NULL,
        -- SHA-256 of the invitation's secret, which only the inviter is given (to pass on): accepting
        -- or declining takes it, so registering the invited email is not enough to join.
        token_hash bytea NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
        invited_by uuid REFERENCES users(id) ON DELETE SET NULL,
        status varchar(16) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        answered_at timestamptz
      )`);
    // One open invitation per email and workspace; the invitee's list is found by email.
    await queryRunner.query(
      "CREATE UNIQUE INDEX workspace_invitations_pending_unique ON workspace_invitations (workspace_id, email) WHERE status = 'pending'",
    );
    await queryRunner.query("CREATE INDEX workspace_invitations_pending_email ON workspace_invitations (email) WHERE status = 'pending'");
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE workspace_invitations');
  }
}
