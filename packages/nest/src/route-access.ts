import { PUBLIC_ROUTE, ROUTE_AUDIENCES, ROUTE_RESOURCE, ROUTE_RESOURCE_METADATA } from './decorators.js';
import type { GatehouseModuleOptions } from './options.js';
import type { VerificationExpectations } from './verifier.js';
import type { Surface } from './surfaces.js';

/** What a route accepts, resolved once from its decorators and the module's options. */
export type RouteAccess =
  | { readonly kind: 'public' }
  | {
      readonly kind: 'guarded';
      readonly expectations: VerificationExpectations;
      /** Named in its challenges as `resource_metadata` (RFC 9728). */
      readonly resourceMetadataUrl: string | undefined;
    }
  /** Declares nothing, or contradicts itself: refused (deny by default). `problem` says how. */
  | { readonly kind: 'undeclared'; readonly problem: string };

/** A controller route that declares its access wrongly; thrown at start-up, naming every one. */
export class RouteAccessDeclarationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Every route must declare its access once (@Public() or @Audiences(...)): ${problems.join('; ')}`);
    this.name = 'RouteAccessDeclarationError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- Nest hands handlers and classes as plain functions
type Target = Function;

interface Declaration {
  isPublic: boolean;
  audiences: Surface[] | undefined;
}

function declarationOf(target: Target): Declaration {
  return {
    isPublic: Reflect.getMetadata(PUBLIC_ROUTE, target) === true,
    audiences: Reflect.getMetadata(ROUTE_AUDIENCES, target) as Surface[] | undefined,
  };
}

const declares = (declaration: Declaration) => declaration.isPublic || declaration.audiences !== undefined;

/**
 * A route's access from its handler's and its controller's decorators, as Gatehouse's own
 * route table decides it: the handler's declaration wins over its controller's; declaring
 * both `@Public()` and `@Audiences()` on one level, or `@Public()` on one and `@Audiences()` on
 * the other, is a mistake, as is declaring nothing.
 */
export function resolveRouteAccess(handler: Target, controller: Target, options: GatehouseModuleOptions): RouteAccess {
  const route = `${controller.name}.${handler.name}`;
  const onClass = declarationOf(controller);
  const onHandler = declarationOf(handler);
  if (onClass.isPublic && onClass.audiences !== undefined) return undeclared(`${controller.name} declares both @Public() and @Audiences()`);
  if (onHandler.isPublic && onHandler.audiences !== undefined) return undeclared(`${route} declares both @Public() and @Audiences()`);
  if (declares(onHandler) && declares(onClass) && onHandler.isPublic !== onClass.isPublic) {
    return undeclared(`${route} mixes @Public() and @Audiences() between the method and its class`);
  }
  const declaration = declares(onHandler) ? onHandler : onClass;
  if (!declares(declaration)) return undeclared(`${route} declares neither @Public() nor @Audiences()`);
  if (declaration.isPublic) return { kind: 'public' };
  const audiences = declaration.audiences!;
  const resource = metadataOf<string | null>(ROUTE_RESOURCE, handler, controller) ?? options.resource ?? null;
  const resourceMetadataUrl =
    metadataOf<string>(ROUTE_RESOURCE_METADATA, handler, controller) ??
    (audiences.includes('mcp') ? options.resourceMetadataUrl : undefined);
  return { kind: 'guarded', expectations: { audiences, resource }, resourceMetadataUrl };
}

function undeclared(problem: string): RouteAccess {
  return { kind: 'undeclared', problem };
}

/** The handler's metadata, else its controller's (`null` is a value: `@Resource(null)`). */
function metadataOf<T>(key: string, handler: Target, controller: Target): T | undefined {
  if (Reflect.hasMetadata(key, handler)) return Reflect.getMetadata(key, handler) as T;
  return Reflect.getMetadata(key, controller) as T | undefined;
}
