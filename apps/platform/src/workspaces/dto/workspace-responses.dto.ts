import { ApiProperty } from '@nestjs/swagger';
import { PageResponse } from '@app/http-api';
import { ROLES } from '@app/workspaces';

export class WorkspaceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ example: 'acme-research' }) slug: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) settings: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ enum: ROLES, description: "The caller's role" }) role: string;
}

export class WorkspaceListResponse extends PageResponse {
  @ApiProperty({ type: WorkspaceResponse, isArray: true }) items: WorkspaceResponse[];
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ enum: ROLES }) role: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class MemberListResponse extends PageResponse {
  @ApiProperty({ type: MemberResponse, isArray: true }) items: MemberResponse[];
}

export class InvitedWorkspace {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
}

export class InvitationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ type: InvitedWorkspace }) workspace: InvitedWorkspace;
  @ApiProperty({ description: 'Normalised (lower case)' }) email: string;
  @ApiProperty({ enum: ROLES, description: 'The role accepting gives' }) role: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The inviting user; null once that user is deleted' })
  invited_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', description: 'After this the invitation can no longer be accepted (INVITATION_EXPIRATION)' })
  expires_at: string;
}

export class CreatedInvitationResponse extends InvitationResponse {
  @ApiProperty({
    description:
      "The invitation's secret, given only here: pass it on to the invitee (e.g. in a link), who accepts or declines with it. Registering the invited email is not enough to join.",
  })
  token: string;
}

export class MembershipResponse {
  @ApiProperty({ format: 'uuid' }) workspace_id: string;
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty() email: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty({ enum: ROLES }) role: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}
