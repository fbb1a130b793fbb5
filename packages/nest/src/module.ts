import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { GatehouseGuard } from './guard.js';
import { GATEHOUSE_OPTIONS, type GatehouseModuleAsyncOptions, type GatehouseModuleOptions } from './options.js';
import { RouteDeclarationCheck } from './route-declaration-check.js';
import { GatehouseVerifier } from './verifier.js';

const PROVIDERS: Provider[] = [GatehouseVerifier, RouteDeclarationCheck, { provide: APP_GUARD, useClass: GatehouseGuard }];

/**
 * Gatehouse access tokens for the whole application: import once in the root module. It
 * installs the global guard (deny by default) and provides `GatehouseVerifier`.
 */
@Global()
@Module({})
export class GatehouseModule {
  static forRoot(options: GatehouseModuleOptions): DynamicModule {
    return {
      module: GatehouseModule,
      imports: [DiscoveryModule],
      providers: [{ provide: GATEHOUSE_OPTIONS, useValue: options }, ...PROVIDERS],
      exports: [GATEHOUSE_OPTIONS, GatehouseVerifier],
    };
  }

  /** The options from a factory, e.g. from `ConfigService`: `forRootAsync({ imports: [ConfigModule], inject: [ConfigService], useFactory })`. */
  static forRootAsync(options: GatehouseModuleAsyncOptions): DynamicModule {
    return {
      module: GatehouseModule,
      imports: [...(options.imports ?? []), DiscoveryModule],
      providers: [{ provide: GATEHOUSE_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }, ...PROVIDERS],
      exports: [GATEHOUSE_OPTIONS, GatehouseVerifier],
    };
  }
}
