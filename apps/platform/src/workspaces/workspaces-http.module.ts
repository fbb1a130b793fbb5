import { Module } from '@nestjs/common';
import { AuthCoreModule, RateLimitModule } from '@app/auth';
import { WorkspacesModule } from '@app/workspaces';
import { InvitationRateLimitGuard } from './invitation-rate-limit.guard.js';
import { InvitationsController } from './invitations.controller.js';
import { WorkspacesController } from './workspaces.controller.js';

/** The `/workspaces` and `/invitations` routes over the workspace domain (`@app/workspaces`). */
@Module({
  imports: [WorkspacesModule, AuthCoreModule, RateLimitModule],
  controllers: [WorkspacesController, InvitationsController],
  providers: [InvitationRateLimitGuard],
})
export class WorkspacesHttpModule {}
