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
  Patch,
  Post,
  Query,
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
} from '@nestjs/swagger';
import { Audiences, CurrentPrincipal, ErrorResponse, type Principal } from '@app/auth';
import { type MemberView, type WorkspaceView, WorkspacesService } from '@app/workspaces';
import { MemberResponse, WorkspaceListResponse, WorkspaceResponse } from './dto/workspace-responses.dto.js';
import { ChangeRoleDto, CreateWorkspaceDto, ListWorkspacesQueryDto, UpdateWorkspaceDto } from './dto/workspace.dto.js';

/** A malformed id is 400 (never 403 or 404). */
const uuid = () => new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') });

/** Thin: HTTP in, one service call, HTTP out. The rules live in WorkspacesService. */
@ApiTags('workspaces')
@Audiences('web', 'api')
@ApiBadRequestResponse({ type: ErrorResponse, description: 'Invalid input or malformed id' })
@ApiForbiddenResponse({
  type: ErrorResponse,
  description: 'Not a member of this workspace or insufficient role (also for a workspace that does not exist), or Invalid audience',
})
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Post()
  @ApiOperation({ summary: 'Create a workspace; the caller becomes its owner' })
  @ApiCreatedResponse({ type: WorkspaceResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Slug already taken' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateWorkspaceDto): Promise<WorkspaceView> {
    return this.workspaces.create(principal.userId, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's workspaces, with the caller's role" })
  @ApiOkResponse({ type: WorkspaceListResponse })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListWorkspacesQueryDto) {
    return this.workspaces.list(principal.userId, query.limit ?? 50, query.offset ?? 0);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A workspace the caller is a member of' })
  @ApiOkResponse({ type: WorkspaceResponse })
  get(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<WorkspaceView> {
    return this.workspaces.get(principal.userId, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, slug, description or settings (admin); answers the whole workspace' })
  @ApiOkResponse({ type: WorkspaceResponse })
  @ApiConflictResponse({ type: ErrorResponse, description: 'Slug already taken' })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Body() body: UpdateWorkspaceDto,
  ): Promise<WorkspaceView> {
    return this.workspaces.update(principal.userId, id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a workspace, with its memberships and invitations (owner)' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Deleted, with its memberships' })
  delete(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<void> {
    return this.workspaces.delete(principal.userId, id);
  }

  @Get(':id/members')
  @ApiOperation({ summary: "The workspace's members (any member); people join by accepting an invitation" })
  @ApiOkResponse({ type: MemberResponse, isArray: true })
  members(@CurrentPrincipal() principal: Principal, @Param('id', uuid()) id: string): Promise<MemberView[]> {
    return this.workspaces.members(principal.userId, id);
  }

  @Patch(':id/members/:userId')
  @ApiOperation({ summary: "Change a member's role (admin; only an owner changes an owner or grants admin or owner)" })
  @ApiOkResponse({ type: MemberResponse })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Member not found (not in this workspace)' })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'A workspace must keep at least one owner (who is not disabled), or A disabled user cannot be made owner',
  })
  changeRole(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Param('userId', uuid()) userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberView> {
    return this.workspaces.changeRole(principal.userId, id, userId, body.role);
  }

  @Delete(':id/members/:userId')
  @ApiOperation({ summary: 'Remove a member (admin; only an owner removes an owner), or leave' })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Removed (or left)' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'Member not found (not in this workspace)' })
  @ApiConflictResponse({ type: ErrorResponse, description: 'A workspace must keep at least one owner (who is not disabled)' })
  removeMember(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuid()) id: string,
    @Param('userId', uuid()) userId: string,
  ): Promise<void> {
    return this.workspaces.removeMember(principal.userId, id, userId);
  }
}
