import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AuthHttpModule } from '@app/auth';
import { type GatehouseConfig, GatehouseConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { HttpErrorFilter, RequestValidationPipe } from '@app/server';
import { UsersModule } from '@app/users';
import { HealthModule } from './health/health.module.js';
import { PlatformMetricsModule } from './metrics/metrics.module.js';
import { WorkspacesHttpModule } from './workspaces/workspaces-http.module.js';

/** The Gatehouse HTTP application: configuration, database, authentication, workspaces, operations. */
@Module({})
export class AppModule {
  static forRoot(databaseUrl: string, config: GatehouseConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatehouseConfigModule.forRoot(config),
        MetricsModule,
        PlatformMetricsModule,
        DatabaseModule.forRoot(databaseUrl),
        UsersModule,
        AuthHttpModule,
        HealthModule,
        WorkspacesHttpModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Unknown body fields are refused; one message per bad field.
        { provide: APP_PIPE, useValue: new RequestValidationPipe() },
      ],
    };
  }
}
