import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { DatabaseConfig, type GatehouseConfig, HttpConfig, RedisConfig, SecurityConfig } from './gatehouse-config.js';
import { type Environment, loadGatehouseConfigOrThrow } from './load-config.js';

export interface GatehouseConfigOptions {
  /** Read these variables instead of `process.env` (tests, embedded use). */
  env?: Environment;
}

const CONFIG_KEY = 'gatehouse';

/**
 * Validates the configuration once, through @nestjs/config's `validate` hook, and provides
 * the typed sections by class token. Nothing else reads `process.env`.
 */
@Module({})
export class GatehouseConfigModule {
  static forRoot(options: GatehouseConfigOptions = {}): DynamicModule {
    const section = <T>(pick: (config: GatehouseConfig) => T) => ({
      inject: [ConfigService],
      useFactory: (configService: ConfigService) => pick(configService.getOrThrow<GatehouseConfig>(CONFIG_KEY)),
    });
    return {
      module: GatehouseConfigModule,
      global: true,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          ignoreEnvVars: options.env !== undefined,
          validate: (variables) => ({ [CONFIG_KEY]: loadGatehouseConfigOrThrow(options.env ?? variables) }),
        }),
      ],
      providers: [
        { provide: SecurityConfig, ...section((config) => config.security) },
        { provide: HttpConfig, ...section((config) => config.http) },
        { provide: DatabaseConfig, ...section((config) => config.database) },
        { provide: RedisConfig, ...section((config) => config.redis) },
      ],
      exports: [SecurityConfig, HttpConfig, DatabaseConfig, RedisConfig],
    };
  }
}
