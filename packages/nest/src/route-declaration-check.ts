import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { GATEHOUSE_OPTIONS, type GatehouseModuleOptions } from './options.js';
import { resolveRouteAccess, RouteAccessDeclarationError } from './route-access.js';

/**
 * Deny by default, at start-up: every controller route must declare `@Public()` or
 * `@Audiences()`, or the application does not start (the error names every such route).
 * With `undeclaredRoutes: 'deny'` it starts, and the guard refuses those routes instead.
 */
@Injectable()
export class RouteDeclarationCheck implements OnModuleInit {
  constructor(
    @Inject(GATEHOUSE_OPTIONS) private readonly options: GatehouseModuleOptions,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  onModuleInit(): void {
    if (this.options.undeclaredRoutes === 'deny') return;
    const problems: string[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (abstract new (...args: never[]) => unknown) | null;
      if (typeof controller !== 'function') continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (
          typeof handler !== 'function' ||
          !Reflect.hasMetadata(PATH_METADATA, handler) ||
          !Reflect.hasMetadata(METHOD_METADATA, handler)
        ) {
          continue;
        }
        const access = resolveRouteAccess(handler, controller, this.options);
        if (access.kind === 'undeclared') problems.push(access.problem);
      }
    }
    if (problems.length > 0) throw new RouteAccessDeclarationError(problems);
  }
}
