import type { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { Audience } from '@app/config';
import { audienceChallenge, type PreparedResponse } from './bearer-challenges.js';
import { PUBLIC_ROUTE, ROUTE_ACCEPTS_CLIENTS, ROUTE_AUDIENCES } from './route-access.decorators.js';

/**
 * What a route accepts: anyone, or a token carrying one of these audiences (the served ones);
 * `audienceRefusal` is the 403 for a token that carries none of them, naming those it would take.
 */
export type RouteAccess =
  | { readonly public: true }
  | {
      readonly public: false;
      readonly audiences: ReadonlySet<Audience>;
      readonly declared: readonly Audience[];
      /** Whether a client's own token (`sub` = `client:<id>`) may reach the route; otherwise only a user's. */
      readonly clients: boolean;
      readonly audienceRefusal: PreparedResponse;
    };

/** Where each route's access travels with its Fastify route options (`request.routeOptions.config`). */
export const ROUTE_ACCESS_CONFIG = 'gatehouseAccess';

/** A route declared wrongly: refused at start-up (deny by default). */
export class RouteAccessDeclarationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Every route must declare its access once: ${problems.join('; ')}`);
    this.name = 'RouteAccessDeclarationError';
  }
}

/** A controller method, as the table keys routes by it. */
type RouteHandler = (...args: never[]) => unknown;

interface Declaration {
  isPublic: boolean;
  audiences: Audience[] | undefined;
  clients: boolean;
}

function declarationOf(target: object): Declaration {
  return {
    isPublic: Reflect.getMetadata(PUBLIC_ROUTE, target) === true,
    audiences: Reflect.getMetadata(ROUTE_AUDIENCES, target) as Audience[] | undefined,
    clients: Reflect.getMetadata(ROUTE_ACCEPTS_CLIENTS, target) === true,
  };
}

const declares = (declaration: Declaration) => declaration.isPublic || declaration.audiences !== undefined;

/**
 * Which access every route has, resolved once at start-up from the controllers' metadata: the
 * one answer to "who may reach this route". The handler's own declaration wins over its
 * class's; a route that declares nothing, declares both `@Public()` and `@Audiences()` on one
 * level, or mixes them across the two levels, is refused with every such route named.
 * An audience the deployment does not serve is dropped: no token reaches the route with it.
 */
export class RouteAccessTable {
  private constructor(private readonly byHandler: ReadonlyMap<RouteHandler, RouteAccess>) {}

  static resolve(controllers: readonly Type[], served: readonly Audience[]): RouteAccessTable {
    const servedSet = new Set(served);
    // One prepared refusal per set of accepted audiences, shared by the routes that accept it.
    const refusals = new Map<string, PreparedResponse>();
    const refusalFor = (accepted: Audience[]): PreparedResponse => {
      const key = accepted.join(',');
      let refusal = refusals.get(key);
      if (refusal === undefined) refusals.set(key, (refusal = audienceChallenge(accepted)));
      return refusal;
    };
    const byHandler = new Map<RouteHandler, RouteAccess>();
    const problems: string[] = [];
    for (const controller of controllers) {
      const onClass = declarationOf(controller);
      if (onClass.isPublic && onClass.audiences !== undefined) problems.push(`${controller.name} declares both @Public() and @Audiences()`);
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        if (!Reflect.hasMetadata(PATH_METADATA, handler) || !Reflect.hasMetadata(METHOD_METADATA, handler)) continue;
        const route = `${controller.name}.${name}`;
        const onHandler = declarationOf(handler);
        if (onHandler.isPublic && onHandler.audiences !== undefined) {
          problems.push(`${route} declares both @Public() and @Audiences()`);
          continue;
        }
        if (declares(onHandler) && declares(onClass) && onHandler.isPublic !== onClass.isPublic) {
          problems.push(`${route} mixes @Public() and @Audiences() between the method and its class`);
          continue;
        }
        const declaration = declares(onHandler) ? onHandler : onClass;
        if (!declares(declaration)) {
          problems.push(`${route} declares neither @Public() nor @Audiences()`);
          continue;
        }
        if (declaration.isPublic) {
          byHandler.set(handler as RouteHandler, { public: true });
          continue;
        }
        const accepted = declaration.audiences!.filter((audience) => servedSet.has(audience));
        byHandler.set(handler as RouteHandler, {
          public: false,
          audiences: new Set(accepted),
          declared: declaration.audiences!,
          clients: declaration.clients,
          audienceRefusal: refusalFor(accepted),
        });
      }
    }
    if (problems.length > 0) throw new RouteAccessDeclarationError(problems);
    return new RouteAccessTable(byHandler);
  }

  /** The access of a route handler (a controller method). */
  accessOf(handler: RouteHandler): RouteAccess | undefined {
    return this.byHandler.get(handler);
  }

  /**
   * Puts each handler's access into its Fastify route config, so the request hook finds it on
   * the matched route without a lookup. Must run before the routes are registered.
   */
  attachToRoutes(): void {
    for (const [handler, access] of this.byHandler) {
      const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as object | undefined) ?? {};
      Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [ROUTE_ACCESS_CONFIG]: access }, handler);
    }
  }
}
