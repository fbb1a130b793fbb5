import { type CanActivate, type ExecutionContext, ForbiddenException, HttpException, Inject, Injectable } from '@nestjs/common';
import { PRINCIPAL_PROPERTY } from './decorators.js';
import { GATEHOUSE_OPTIONS, type GatehouseModuleOptions } from './options.js';
import { GatehouseRefusal } from './refusal.js';
import { resolveRouteAccess, type RouteAccess } from './route-access.js';
import { GatehouseVerifier } from './verifier.js';
import type { GatehousePrincipal } from './principal.js';

/** What the guard reads of a request, on Express (the request is Node's) and Fastify (`raw` is Node's). */
interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  rawHeaders?: string[];
  raw?: { rawHeaders: string[] };
  [PRINCIPAL_PROPERTY]?: unknown;
}

/** Express's `res.header()` and Fastify's `reply.header()`; Node's `setHeader()` otherwise. */
interface HttpResponse {
  header?: (name: string, value: string) => unknown;
  setHeader?: (name: string, value: string) => unknown;
}

/** 403 for a route that declares no access, when the module lets such routes start (`undeclaredRoutes: 'deny'`). */
export const UNDECLARED_ROUTE_MESSAGE = 'Access to this route was not declared';

/**
 * The global guard (APP_GUARD): every route is refused unless it is `@Public()` or the request
 * carries a Gatehouse access token for one of the route's `@Audiences()` (and its resource).
 * Refusals are answered as Gatehouse answers them: status, `{statusCode, error, message}` and
 * the `WWW-Authenticate` challenge. On success the principal goes on the request, for
 * `@CurrentPrincipal()`.
 */
@Injectable()
export class GatehouseGuard implements CanActivate {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- route handlers, as Nest hands them
  private readonly routes = new WeakMap<Function, RouteAccess>();

  constructor(
    @Inject(GATEHOUSE_OPTIONS) private readonly options: GatehouseModuleOptions,
    private readonly verifier: GatehouseVerifier,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const access = this.accessOf(context);
    if (access.kind === 'public') return true;
    if (access.kind === 'undeclared') throw new ForbiddenException(UNDECLARED_ROUTE_MESSAGE);
    // Gateways and microservices have no bearer header to read: only their @Public() handlers pass.
    if (context.getType() !== 'http') throw new ForbiddenException('Only HTTP routes can carry a Gatehouse token');
    // The request and the response by index: `switchToHttp()` adds three closures to the context on every call.
    const request = context.getArgByIndex<HttpRequest>(0);
    const authorization = request.headers.authorization;
    const outcome = this.verifier.authorizeRoute(
      typeof authorization === 'string' ? authorization : undefined,
      access.expectations,
      request.raw?.rawHeaders ?? request.rawHeaders,
    );
    // A token seen before is answered at once; a first verification (or introspection) is awaited.
    return outcome instanceof Promise ? outcome.then((settled) => admit(context, access, settled)) : admit(context, access, outcome);
  }

  private accessOf(context: ExecutionContext): RouteAccess {
    const handler = context.getHandler();
    let access = this.routes.get(handler);
    if (access === undefined) this.routes.set(handler, (access = resolveRouteAccess(handler, context.getClass(), this.options)));
    return access;
  }
}

/** Lets the request through with its principal, or answers the refusal as Gatehouse does (status, body, challenge). */
function admit(
  context: ExecutionContext,
  access: RouteAccess & { kind: 'guarded' },
  outcome: Readonly<GatehousePrincipal> | GatehouseRefusal,
): true {
  if (outcome instanceof GatehouseRefusal) {
    const response = context.getArgByIndex<HttpResponse>(1);
    for (const [name, value] of Object.entries(outcome.headers(access.resourceMetadataUrl))) {
      if (typeof response.header === 'function') response.header(name, value);
      else response.setHeader?.(name, value);
    }
    throw new HttpException(outcome.body, outcome.status);
  }
  context.getArgByIndex<HttpRequest>(0)[PRINCIPAL_PROPERTY] = outcome;
  return true;
}
