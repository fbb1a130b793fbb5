import { Module } from '@nestjs/common';
import { WorkspacesModule } from '@app/workspaces';
import { WorkspacesController } from './workspaces.controller.js';

/** The `/workspaces` routes over the workspace domain (`@app/workspaces`). */
@Module({
  imports: [WorkspacesModule],
  controllers: [WorkspacesController],
})
export class WorkspacesHttpModule {}
