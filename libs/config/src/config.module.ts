import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import {
  AccountsConfig,
  DatabaseConfig,
  type GatehouseConfig,
  HttpConfig,
  RateLimitConfig,
  RedisConfig,
  SecurityConfig,
  WorkspacesConfig,
} from './gatehouse-config.js';

/** Each typed section, by the class token modules inject it with. */
const SECTIONS = [
  [SecurityConfig, 'security'],
  [AccountsConfig, 'accounts'],
  [RateLimitConfig, 'rateLimits'],
  [WorkspacesConfig, 'workspaces'],
  [HttpConfig, 'http'],
  [DatabaseConfig, 'database'],
  [RedisConfig, 'redis'],
] as const;

/**
 * Hands the configuration, validated once at start-up by `loadGatehouseConfig`, to the
 * modules: through @nestjs/config's `ConfigService` (under the section names) and by class
 * token (`SecurityConfig`, `HttpConfig`, ...). Nothing reads `process.env` again.
 */
@Module({})
export class GatehouseConfigModule {
  static forRoot(config: GatehouseConfig): DynamicModule {
    return {
      module: GatehouseConfigModule,
      global: true,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, ignoreEnvVars: true, load: [() => ({ ...config })] })],
      providers: SECTIONS.map(([token, key]) => ({
        provide: token,
        inject: [ConfigService],
        useFactory: (configService: ConfigService) => configService.getOrThrow<unknown>(key),
      })),
      exports: SECTIONS.map(([token]) => token),
    };
  }
}
