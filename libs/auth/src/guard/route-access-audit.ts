import { Injectable, type OnModuleInit, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { DiscoveryService } from '@nestjs/core';
import { PUBLIC_ROUTE, ROUTE_AUDIENCES } from './route-access.decorators.js';

/** Routes (as `Controller.method`) that declare neither @Public() nor @Audiences(...). */
export function findUndeclaredRoutes(controllers: readonly Type[]): string[] {
  const undeclared: string[] = [];
  for (const controller of controllers) {
    const classDeclares = Reflect.hasMetadata(PUBLIC_ROUTE, controller) || Reflect.hasMetadata(ROUTE_AUDIENCES, controller);
    for (const name of Object.getOwnPropertyNames(controller.prototype)) {
      const handler = (controller.prototype as Record<string, unknown>)[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (!Reflect.hasMetadata(PATH_METADATA, handler) || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
      const declares = Reflect.hasMetadata(PUBLIC_ROUTE, handler) || Reflect.hasMetadata(ROUTE_AUDIENCES, handler);
      if (!declares && !classDeclares) undeclared.push(`${controller.name}.${name}`);
    }
  }
  return undeclared;
}

/** Deny by default, at start-up: a route without an access declaration stops the server. */
@Injectable()
export class RouteAccessAudit implements OnModuleInit {
  constructor(private readonly discovery: DiscoveryService) {}

  onModuleInit(): void {
    const controllers = this.discovery
      .getControllers()
      .map((wrapper) => wrapper.metatype as Type | null)
      .filter((metatype): metatype is Type => metatype !== null && metatype !== undefined);
    const undeclared = findUndeclaredRoutes(controllers);
    if (undeclared.length > 0) {
      throw new Error(
        `Every route must declare @Public() or @Audiences(...); these declare neither: ${undeclared.join(', ')}`,
      );
    }
  }
}
