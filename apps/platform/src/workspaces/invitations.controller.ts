import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Audiences, CurrentPrincipal, type Principal, TooManyRequests } from '@app/auth';
import { assertTokenReaches, WorkspaceBoundToken } from './token-workspace.js';
import { ApiEndpoint, UuidParam } from '@app/http-api';
import {
  AlreadyMember,
  type CreatedInvitationView,
  DisabledUserRefused,
  InvitationNotFound,
  InvitationPending,
  type InvitationView,
  InvitationsService,
  type MembershipView,
  WorkspaceAccessDenied,
} from '@app/workspaces';
import { AnswerInvitationDto, CreateInvitationDto } from './dto/invitation.dto.js';
import { CreatedInvitationResponse, InvitationResponse, MembershipResponse } from './dto/workspace-responses.dto.js';
import { InvitationRateLimitGuard } from './invitation-rate-limit.guard.js';

const NOT_FOUND = 'Invitation not found: none with this id for the caller, or it was answered, revoked or has expired';

/**
 * Invitations, the only way into a workspace: its admins invite, list and revoke under
 * `/workspaces/:id/invitations`; the invitee lists, accepts and declines under `/invitations`.
 * Thin: the rules live in InvitationsService.
 */
@ApiTags('invitations')
@Audiences('web', 'api')
@Controller()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('workspaces/:id/invitations')
  @UseGuards(InvitationRateLimitGuard)
  @ApiEndpoint({
    operationId: 'createInvitation',
    summary: 'Invite an email to the workspace (admin; only an owner invites as admin or owner)',
    description:
      "The answer is the same whether or not the email is registered. It holds the invitation's secret (`token`), given only here: " +
      'pass it on to the invitee, who accepts or declines with it. The invitation expires after INVITATION_EXPIRATION.',
    errors: {
      400: [['email is required'], ['email must be a valid email address'], ['role must be one of owner, admin, member']],
      403: WorkspaceAccessDenied,
      409: InvitationPending,
      // Over INVITATION_RATE_LIMIT invitations this hour; Retry-After says when.
      429: new TooManyRequests(1200).message,
    },
  })
  @ApiCreatedResponse({ type: CreatedInvitationResponse })
  invite(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('id') id: string,
    @Body() body: CreateInvitationDto,
  ): Promise<CreatedInvitationView> {
    assertTokenReaches(principal, id);
    return this.invitations.invite(principal.userId, id, body);
  }

  @Get('workspaces/:id/invitations')
  @ApiEndpoint({
    operationId: 'listWorkspaceInvitations',
    summary: "The workspace's pending invitations, oldest first (admin)",
    errors: { 403: WorkspaceAccessDenied },
  })
  @ApiOkResponse({ type: InvitationResponse, isArray: true })
  pending(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string): Promise<InvitationView[]> {
    assertTokenReaches(principal, id);
    return this.invitations.pending(principal.userId, id);
  }

  @Delete('workspaces/:id/invitations/:invitationId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiEndpoint({
    operationId: 'revokeInvitation',
    summary: 'Revoke a pending invitation (admin)',
    description: 'Invitation not found: not a pending invitation of this workspace.',
    errors: { 403: WorkspaceAccessDenied, 404: InvitationNotFound },
  })
  @ApiNoContentResponse({ description: 'Revoked: it can no longer be accepted' })
  revoke(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('id') id: string,
    @UuidParam('invitationId') invitationId: string,
  ): Promise<void> {
    assertTokenReaches(principal, id);
    return this.invitations.revoke(principal.userId, id, invitationId);
  }

  @Get('invitations')
  @ApiEndpoint({
    operationId: 'listMyInvitations',
    summary: "The caller's pending invitations (those addressed to the caller's email), oldest first",
    errors: { 403: WorkspaceBoundToken },
  })
  @ApiOkResponse({ type: InvitationResponse, isArray: true })
  mine(@CurrentPrincipal() principal: Principal): Promise<InvitationView[]> {
    assertTokenReaches(principal);
    return this.invitations.mine(principal.userId);
  }

  @Post('invitations/:id/accept')
  @HttpCode(HttpStatus.OK)
  @ApiEndpoint({
    operationId: 'acceptInvitation',
    summary: "Accept an invitation addressed to the caller, with the invitation's secret: join the workspace with its role",
    description: `${NOT_FOUND}, or the token is not its own. User is already a member: the invitation stays pending.`,
    errors: { 400: [['token is required']], 403: [DisabledUserRefused, WorkspaceBoundToken], 404: InvitationNotFound, 409: AlreadyMember },
  })
  @ApiOkResponse({ type: MembershipResponse })
  accept(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('id') id: string,
    @Body() body: AnswerInvitationDto,
  ): Promise<MembershipView> {
    assertTokenReaches(principal);
    return this.invitations.accept(principal.userId, id, body.token);
  }

  @Post('invitations/:id/decline')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiEndpoint({
    operationId: 'declineInvitation',
    summary: "Decline an invitation addressed to the caller, with the invitation's secret",
    description: `${NOT_FOUND}, or the token is not its own.`,
    errors: { 400: [['token is required']], 403: WorkspaceBoundToken, 404: InvitationNotFound },
  })
  @ApiNoContentResponse({ description: 'Declined: it can no longer be accepted' })
  decline(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string, @Body() body: AnswerInvitationDto): Promise<void> {
    assertTokenReaches(principal);
    return this.invitations.decline(principal.userId, id, body.token);
  }
}
