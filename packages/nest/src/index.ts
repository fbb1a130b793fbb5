export { GatehouseModule } from './module.js';
export type { GatehouseModuleOptions, GatehouseModuleAsyncOptions, IntrospectionOptions, JwksOptions } from './options.js';
export { GATEHOUSE_OPTIONS } from './options.js';
export { Public, Audiences, Resource, ResourceMetadata, CurrentPrincipal, principalOf } from './decorators.js';
export type { GatehousePrincipal, Actor, WorkspaceRole } from './principal.js';
export { GatehouseVerifier, ACCESS_TOKEN_TYPE, type VerificationExpectations } from './verifier.js';
export { GatehouseGuard, UNDECLARED_ROUTE_MESSAGE } from './guard.js';
export { GatehouseRefusal, type GatehouseRefusalReason, type GatehouseErrorBody, type BearerError } from './refusal.js';
export { RouteAccessDeclarationError } from './route-access.js';
export { SURFACES, type Surface } from './surfaces.js';
export * from './client/gatehouse-client.js';
export type {
  paths as GatehouseApiPaths,
  components as GatehouseApiComponents,
  operations as GatehouseApiOperations,
} from './client/gatehouse-api.js';
