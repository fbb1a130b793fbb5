import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { ValidationPipe } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { type GatehouseConfig, GatehouseConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { MetricsModule } from '@app/metrics';
import { UsersModule } from '@app/users';
import { LoggingModule } from './logging/logging.module.js';
import { PlatformMetricsModule } from './metrics/metrics.module.js';
import { HealthModule } from './health/health.module.js';
import { HttpErrorFilter } from './http/http-error.filter.js';
import { WorkspacesHttpModule } from './workspaces/workspaces-http.module.js';

export interface AppModuleOptions {
  /** The PostgreSQL to use: `DATABASE_URL`, or the embedded cluster's. */
  databaseUrl: string;
  /** The configuration, validated once at start-up. */
  config: GatehouseConfig;
}

@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        GatehouseConfigModule.forRoot(options.config),
        LoggingModule,
        MetricsModule,
        PlatformMetricsModule,
        DatabaseModule.forRoot(options.databaseUrl),
        UsersModule,
        AuthModule,
        HealthModule,
        WorkspacesHttpModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        {
          provide: APP_PIPE,
          // Unknown body fields are refused; one message per bad field.
          useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true, transform: true }),
        },
      ],
    };
  }
}
