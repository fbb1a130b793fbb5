import { BadRequestException, Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, ParseUUIDPipe, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Audiences, type AuthenticatedRequest } from '@app/auth';
import { AddMemberDto, ChangeRoleDto, CreateWorkspaceDto, ListWorkspacesQueryDto, UpdateWorkspaceDto } from './dto/workspace.dto.js';
import { type MemberView, type WorkspaceView, WorkspacesService } from './workspaces.service.js';

/** A malformed id is 400 (never 403 or 404). */
const uuid = () => new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') });

/** Thin: HTTP in, one service call, HTTP out. The rules live in WorkspacesService. */
@ApiTags('workspaces')
@Audiences('web', 'api')
@Controller('workspaces')
export class WorkspacesController {
  constructor(private readonly workspaces: WorkspacesService) {}

  @Post()
  create(@Req() request: AuthenticatedRequest, @Body() body: CreateWorkspaceDto): Promise<WorkspaceView> {
    return this.workspaces.create(request.auth.userId, body);
  }

  @Get()
  list(@Req() request: AuthenticatedRequest, @Query() query: ListWorkspacesQueryDto) {
    return this.workspaces.list(request.auth.userId, query.limit ?? 50, query.offset ?? 0);
  }

  @Get(':id')
  get(@Req() request: AuthenticatedRequest, @Param('id', uuid()) id: string): Promise<WorkspaceView> {
    return this.workspaces.get(request.auth.userId, id);
  }

  @Patch(':id')
  update(@Req() request: AuthenticatedRequest, @Param('id', uuid()) id: string, @Body() body: UpdateWorkspaceDto): Promise<WorkspaceView> {
    return this.workspaces.update(request.auth.userId, id, body);
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  delete(@Req() request: AuthenticatedRequest, @Param('id', uuid()) id: string): Promise<void> {
    return this.workspaces.delete(request.auth.userId, id);
  }

  @Get(':id/members')
  members(@Req() request: AuthenticatedRequest, @Param('id', uuid()) id: string): Promise<MemberView[]> {
    return this.workspaces.members(request.auth.userId, id);
  }

  @Post(':id/members')
  addMember(@Req() request: AuthenticatedRequest, @Param('id', uuid()) id: string, @Body() body: AddMemberDto): Promise<MemberView> {
    return this.workspaces.addMember(request.auth.userId, id, body);
  }

  @Patch(':id/members/:userId')
  changeRole(
    @Req() request: AuthenticatedRequest,
    @Param('id', uuid()) id: string,
    @Param('userId', uuid()) userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberView> {
    return this.workspaces.changeRole(request.auth.userId, id, userId, body.role);
  }

  @Delete(':id/members/:userId')
  @HttpCode(HttpStatus.NO_CONTENT)
  removeMember(@Req() request: AuthenticatedRequest, @Param('id', uuid()) id: string, @Param('userId', uuid()) userId: string): Promise<void> {
    return this.workspaces.removeMember(request.auth.userId, id, userId);
  }
}
