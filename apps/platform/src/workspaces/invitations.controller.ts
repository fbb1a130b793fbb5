import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  ParseUUIDPipe,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import { Audiences, CurrentPrincipal, ErrorResponse, type Principal } from '@app/auth';
import { type InvitationView, InvitationsService, type MembershipView } from '@app/workspaces';
import { CreateInvitationDto } from './dto/invitation.dto.js';
import { InvitationResponse, MembershipResponse } from './dto/workspace-responses.dto.js';
import { InvitationRateLimitGuard } from './invitation-rate-limit.guard.js';

/** A malformed id is 400 (never 403 or 404). */
const uuid = () => new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') });

const NOT_FOUND = 'Invitation not found: none with this id for the caller, or it was answered, revoked or has expired';

/**
 * Invitations, the only way into a workspace: its admins invite, list and revoke under
 * `/workspaces/:id/invitations`; the invitee lists, accepts and declines under `/invitations`.
 * Thin: the rules live in InvitationsService.
 */
@ApiTags('invitations')
@Audiences('web', 'api')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Invalid input or malformed id' })
@Controller()
export class InvitationsController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('workspaces/:id/invitations')
  @UseGuards(InvitationRateLimitGuard)
  @ApiOperation({
    summary: 'Invite an email to the workspace (admin; only an owner invites as admin or owner)',
    description: 'The answer is the same whether or not the email is registered. The invitation expires after INVITATION_EXPIRATION.',
  })
  @ApiCreatedResponse({ type: InvitationResponse })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Not a member of this workspace or insufficient role, or Invalid audience' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'This email already has a pending invitation to this workspace' })
  @ApiTooManyRequestsResponse({ type: ErrorResponse, description: 'Over INVITATION_RATE_LIMIT invitations this hour; see Retry-After' })
  invite(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Body() body: CreateInvitationDto,
  ): Promise<InvitationView> {
    return this.invitations.invite(principal.userId, id, body);
  }

  @Get('workspaces/:id/invitations')
  @ApiOperation({ summary: "The workspace's pending invitations, oldest first (admin)" })
  @ApiOkResponse({ type: InvitationResponse, isArray: true })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Not a member of this workspace or insufficient role, or Invalid audience' })
  pending(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<InvitationView[]> {
    return this.invitations.pending(principal.userId, id);
  }

  @Delete('workspaces/:id/invitations/:invitationId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Revoke a pending invitation (admin)' })
  @ApiNoContentResponse({ description: 'Revoked: it can no longer be accepted' })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Not a member of this workspace or insufficient role, or Invalid audience' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Invitation not found (not a pending invitation of this workspace)' })
  revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Param('invitationId', uuid()) invitationId: string,
  ): Promise<void> {
    return this.invitations.revoke(principal.userId, id, invitationId);
  }

  @Get('invitations')
  @ApiOperation({ summary: "The caller's pending invitations (those addressed to the caller's email), oldest first" })
  @ApiOkResponse({ type: InvitationResponse, isArray: true })
  mine(@CurrentPrincipal() principal: Principal): Promise<InvitationView[]> {
    return this.invitations.mine(principal.userId);
  }

  @Post('invitations/:id/accept')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Accept an invitation addressed to the caller: join the workspace with its role' })
  @ApiOkResponse({ type: MembershipResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: NOT_FOUND })
  @ApiConflictResponse({ type: ErrorResponse, description: 'User is already a member (the invitation stays pending)' })
  accept(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<MembershipView> {
    return this.invitations.accept(principal.userId, id);
  }

  @Post('invitations/:id/decline')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Decline an invitation addressed to the caller' })
  @ApiNoContentResponse({ description: 'Declined: it can no longer be accepted' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: NOT_FOUND })
  decline(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<void> {
    return this.invitations.decline(principal.userId, id);
  }
}
