import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '@app/users';
import { Workspace, WorkspaceInvitation, WorkspaceMember } from './workspace.entities.js';
import { WorkspacesRepository } from './workspaces.repository.js';
import { InvitationsService } from './invitations.service.js';
import { WorkspacesService } from './workspaces.service.js';

/** The workspace domain: its tables (workspaces, members, invitations) and its rules. The HTTP routes live in the app. */
@Module({
  imports: [TypeOrmModule.forFeature([Workspace, WorkspaceMember, WorkspaceInvitation]), UsersModule],
  providers: [WorkspacesRepository, WorkspacesService, InvitationsService],
  exports: [WorkspacesService, InvitationsService],
})
export class WorkspacesModule {}
