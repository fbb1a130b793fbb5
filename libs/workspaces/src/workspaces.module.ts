import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '@app/users';
import { Workspace, WorkspaceMember } from './workspace.entities.js';
import { WorkspacesRepository } from './workspaces.repository.js';
import { WorkspacesService } from './workspaces.service.js';

/** The workspace domain: its tables and its rules. The HTTP routes live in the app. */
@Module({
  imports: [TypeOrmModule.forFeature([Workspace, WorkspaceMember]), UsersModule],
  providers: [WorkspacesRepository, WorkspacesService],
  exports: [WorkspacesService],
})
export class WorkspacesModule {}
