import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { GatehousePrincipal } from './principal.js';
import { isSurface, type Surface } from './surfaces.js';

export const PUBLIC_ROUTE = 'gatehouse-nest:public';
export const ROUTE_AUDIENCES = 'gatehouse-nest:audiences';
export const ROUTE_RESOURCE = 'gatehouse-nest:resource';
export const ROUTE_RESOURCE_METADATA = 'gatehouse-nest:resource-metadata';

/** Where the guard leaves the principal on the request (Express or Fastify). */
export const PRINCIPAL_PROPERTY = 'gatehousePrincipal';

/** The route (or every route of the controller) needs no token. */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/**
 * The route needs an access token carrying one of these surfaces in `aud`. On a method or a
 * controller; the method's own declaration wins.
 */
export const Audiences = (...surfaces: Surface[]) => {
  if (surfaces.length === 0) throw new Error('@Audiences() needs at least one of web, api, a2a, mcp (or use @Public())');
  const unknown = surfaces.filter((surface) => !isSurface(surface));
  if (unknown.length > 0) throw new Error(`@Audiences(): unknown surface ${unknown.join(', ')}; allowed: web, api, a2a, mcp`);
  return SetMetadata(ROUTE_AUDIENCES, surfaces);
};

/**
 * The resource URI (RFC 8707) a token must carry in `aud` on this route (or controller), instead
 * of the module's `resource`; `null`: none on this route.
 */
export const Resource = (uri: string | null) => {
  if (uri !== null && !URL.canParse(uri)) throw new Error(`@Resource(): ${uri} is not an absolute URI`);
  return SetMetadata(ROUTE_RESOURCE, uri);
};

/** The protected-resource metadata URL (RFC 9728) named in this route's challenges, instead of the module's `resourceMetadataUrl`. */
export const ResourceMetadata = (url: string) => SetMetadata(ROUTE_RESOURCE_METADATA, url);

/** The principal the guard verified, from a request (e.g. in middleware or an MCP transport behind the guard). */
export function principalOf(request: object): GatehousePrincipal | undefined {
  return (request as { [PRINCIPAL_PROPERTY]?: GatehousePrincipal })[PRINCIPAL_PROPERTY];
}

/**
 * The principal of the request, in a handler of a guarded route:
 * `profile(@CurrentPrincipal() principal: GatehousePrincipal)`. Undefined on a public route.
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): GatehousePrincipal | undefined =>
  // The HTTP request is the context's first argument (what `switchToHttp().getRequest()` answers, without its closures).
  principalOf(context.getArgByIndex<object>(0)),
);
