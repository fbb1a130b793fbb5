import { type DynamicModule, Module } from '@nestjs/common';
import { GatehouseModule } from '@gatehouse/nest';
import { A2aController } from './a2a/a2a.controller.js';
import { ExampleContext } from './example-context.js';
import { HealthController } from './health/health.controller.js';
import { createMcpController } from './mcp/mcp.controller.js';
import { ProtectedResourceMetadataController } from './mcp/protected-resource-metadata.controller.js';
import { NotesService } from './notes/notes.service.js';
import { ProfileController } from './profile/profile.controller.js';

/**
 * The whole app: Gatehouse's guard on every route (deny by default), and the four surfaces.
 * Built from what start-up learnt (settings, Gatehouse's metadata).
 */
@Module({})
export class AppModule {
  static register(context: ExampleContext): DynamicModule {
    const { settings, gatehouse } = context;
    const client = settings.introspectionClient;
    return {
      module: AppModule,
      imports: [
        GatehouseModule.forRoot({
          issuer: gatehouse.issuer,
          jwksUrl: gatehouse.jwksUri,
          resourceMetadataUrl: context.mcpResourceMetadataUrl,
          introspection:
            client === undefined || gatehouse.introspectionEndpoint === undefined
              ? undefined
              : { endpoint: gatehouse.introspectionEndpoint, clientId: client.id, clientSecret: client.secret },
        }),
      ],
      controllers: [
        HealthController,
        ProfileController,
        ProtectedResourceMetadataController,
        createMcpController(context.mcpResource, context.mcpResourceMetadataUrl),
        A2aController,
      ],
      providers: [NotesService, { provide: ExampleContext, useValue: context }],
    };
  }
}
