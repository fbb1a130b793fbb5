import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { Audiences, CurrentPrincipal, type Principal } from '@app/auth';
import { assertTokenReaches, WorkspaceBoundToken } from './token-workspace.js';
import { ApiEndpoint, type Page, PAGE_QUERY_ERRORS, PageQueryDto, UuidParam } from '@app/http-api';
import {
  DisabledOwnerRefused,
  LastOwnerRequired,
  MemberNotFound,
  type MemberView,
  OwnRoleChangeRefused,
  SlugTaken,
  WorkspaceAccessDenied,
  type WorkspaceView,
  WorkspacesService,
} from '@app/workspaces';
import { MemberListResponse, MemberResponse, WorkspaceListResponse, WorkspaceResponse } from './dto/workspace-responses.dto.js';
import { ChangeRoleDto, CreateWorkspaceDto, SLUG_MESSAGE, UpdateWorkspaceDto } from './dto/workspace.dto.js';

const ROLE_MESSAGE = 'role must be one of owner, admin, member';

/** Thin: HTTP in, one service call, HTTP out. The rules live in WorkspacesService. */
@ApiTags('workspaces')
@Audiences('web', 'api')
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Post()
  @ApiEndpoint({
    operationId: 'createWorkspace',
    summary: 'Create a workspace; the caller becomes its owner',
    errors: { 400: [['name is required'], [SLUG_MESSAGE]], 403: WorkspaceBoundToken, 409: SlugTaken },
  })
  @ApiCreatedResponse({ type: WorkspaceResponse })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreateWorkspaceDto): Promise<WorkspaceView> {
    assertTokenReaches(principal);
    return this.workspaces.create(principal.userId, body);
  }

  @Get()
  @ApiEndpoint({
    operationId: 'listWorkspaces',
    summary: "The caller's workspaces, with the caller's role",
    errors: { 400: PAGE_QUERY_ERRORS, 403: WorkspaceBoundToken },
  })
  @ApiOkResponse({ type: WorkspaceListResponse })
  list(@CurrentPrincipal() principal: Principal, @Query() query: PageQueryDto): Promise<Page<WorkspaceView>> {
    assertTokenReaches(principal);
    return this.workspaces.list(principal.userId, query.limit, query.offset);
  }

  @Get(':id')
  @ApiEndpoint({ operationId: 'getWorkspace', summary: 'A workspace the caller is a member of', errors: { 403: WorkspaceAccessDenied } })
  @ApiOkResponse({ type: WorkspaceResponse })
  get(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string): Promise<WorkspaceView> {
    assertTokenReaches(principal, id);
    return this.workspaces.get(principal.userId, id);
  }

  @Patch(':id')
  @ApiEndpoint({
    operationId: 'updateWorkspace',
    summary: 'Change name, slug, description or settings (admin); answers the whole workspace',
    errors: {
      400: [['name must not be empty'], ['settings must be a JSON object (send {} to clear the settings)']],
      403: WorkspaceAccessDenied,
      409: SlugTaken,
    },
  })
  @ApiOkResponse({ type: WorkspaceResponse })
  update(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string, @Body() body: UpdateWorkspaceDto): Promise<WorkspaceView> {
    assertTokenReaches(principal, id);
    return this.workspaces.update(principal.userId, id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiEndpoint({
    operationId: 'deleteWorkspace',
    summary: 'Delete a workspace, with its memberships and invitations (owner)',
    errors: { 403: WorkspaceAccessDenied },
  })
  @ApiNoContentResponse({ description: 'Deleted, with its memberships' })
  delete(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string): Promise<void> {
    assertTokenReaches(principal, id);
    return this.workspaces.delete(principal.userId, id);
  }

  @Get(':id/members')
  @ApiEndpoint({
    operationId: 'listMembers',
    summary: "The workspace's members, oldest first, a page at a time (any member); people join by accepting an invitation",
    errors: { 400: PAGE_QUERY_ERRORS, 403: WorkspaceAccessDenied },
  })
  @ApiOkResponse({ type: MemberListResponse })
  members(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string, @Query() query: PageQueryDto): Promise<Page<MemberView>> {
    assertTokenReaches(principal, id);
    return this.workspaces.members(principal.userId, id, query.limit, query.offset);
  }

  @Patch(':id/members/:userId')
  @ApiEndpoint({
    operationId: 'updateMember',
    summary: "Change a member's role (admin; only an owner changes an owner or grants admin or owner)",
    errors: {
      400: [['role is required'], [ROLE_MESSAGE]],
      403: [WorkspaceAccessDenied, OwnRoleChangeRefused],
      404: MemberNotFound,
      409: [LastOwnerRequired, DisabledOwnerRefused],
    },
  })
  @ApiOkResponse({ type: MemberResponse })
  changeRole(
    @CurrentPrincipal() principal: Principal,
    @UuidParam('id') id: string,
    @UuidParam('userId') userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberView> {
    assertTokenReaches(principal, id);
    return this.workspaces.changeRole(principal.userId, id, userId, body.role);
  }

  @Delete(':id/members/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiEndpoint({
    operationId: 'removeMember',
    summary: 'Remove a member (admin; only an owner removes an owner), or leave',
    errors: { 403: WorkspaceAccessDenied, 404: MemberNotFound, 409: LastOwnerRequired },
  })
  @ApiNoContentResponse({ description: 'Removed (or left)' })
  removeMember(@CurrentPrincipal() principal: Principal, @UuidParam('id') id: string, @UuidParam('userId') userId: string): Promise<void> {
    assertTokenReaches(principal, id);
    return this.workspaces.removeMember(principal.userId, id, userId);
  }
}
