import type { ModuleMetadata, InjectionToken, OptionalFactoryDependency } from '@nestjs/common';

/** Revocation awareness through Gatehouse's RFC 7662 introspection endpoint. */
export interface IntrospectionOptions {
  /** `https://gatehouse.example.com/oauth/introspect`. */
  endpoint: string;
  /** A client made with `gatehouse client create`, authenticating with HTTP Basic. */
  clientId: string;
  clientSecret: string;
  /** How long an answer is reused, in seconds: 0 to 5 (default 5). */
  cacheSeconds?: number;
  /** How long to wait for Gatehouse before refusing with 503, in milliseconds (default 2000). */
  timeoutMs?: number;
}

/** Tuning of the JWKS cache (asymmetric mode). */
export interface JwksOptions {
  /** How long a fetched key set is used before it is fetched again, in seconds (default 300, the JWKS's own max-age). */
  cacheMaxAgeSeconds?: number;
  /**
   * After a fetch, how long a token with an unknown `kid` is refused without fetching again, in
   * seconds (default 1): bounds the fetches a flood of made-up `kid`s can cause, while a key
   * Gatehouse has just started to sign with is picked up at the first request that carries it.
   */
  cooldownSeconds?: number;
  /** How long a fetch may take, in milliseconds (default 5000). */
  timeoutMs?: number;
}

export interface GatehouseModuleOptions {
  /** Gatehouse's `JWT_ISSUER`: the `iss` every token must carry. */
  issuer: string;
  /** Gatehouse's `/.well-known/jwks.json` (asymmetric signing: RS256, ES256, EdDSA). Exactly one of `jwksUrl` and `secret`. */
  jwksUrl?: string;
  /** Gatehouse's `PLATFORM_JWT_SECRET` (HS256). Exactly one of `jwksUrl` and `secret`. */
  secret?: string;
  /** Gatehouse's `PLATFORM_JWT_PREVIOUS_SECRETS`: tokens signed with them still verify (HS256). */
  previousSecrets?: string[];
  /**
   * Accept Gatehouse's public built-in development secret, or a secret under 32 bytes, as
   * `secret` or a previous one: for development against `gatehouse start --dev` only. Without
   * it the module refuses them, as Gatehouse refuses them outside dev: a token signed with a
   * public secret proves nothing.
   */
  allowDevelopmentSecret?: boolean;
  /**
   * This service's resource URI (RFC 8707): a token must also carry it in `aud`, so a token
   * minted for another resource server is refused here. `@Resource(uri)` overrides it per route.
   */
  resource?: string;
  /**
   * This service's protected-resource metadata document (RFC 9728), named as
   * `resource_metadata="…"` in the `WWW-Authenticate` challenges of routes that accept `mcp`
   * (MCP clients find the authorization server through it). `@ResourceMetadata(url)` sets it per route.
   */
  resourceMetadataUrl?: string;
  /** Ask Gatehouse whether each token is still active (revoked sessions, disabled clients). */
  introspection?: IntrospectionOptions;
  /** Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds (default 30, as Gatehouse). */
  clockToleranceSeconds?: number;
  /** Algorithms accepted in asymmetric mode (default RS256, ES256, EdDSA). HS256 mode accepts HS256 only. */
  algorithms?: string[];
  jwks?: JwksOptions;
  /** Verified tokens remembered, so a token seen before costs no signature check (default 10000; 0 turns the cache off). */
  verifiedTokenCacheSize?: number;
  /**
   * What happens to a controller route that declares neither `@Public()` nor `@Audiences()`:
   * `'fail-at-boot'` (default, as Gatehouse) stops the application at start-up naming every
   * such route; `'deny'` starts, and the guard refuses those routes with 403.
   */
  undeclaredRoutes?: 'fail-at-boot' | 'deny';
}

export interface GatehouseModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  inject?: (InjectionToken | OptionalFactoryDependency)[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Nest passes whatever `inject` names, as its own providers' types do
  useFactory: (...args: any[]) => GatehouseModuleOptions | Promise<GatehouseModuleOptions>;
}

/** The injection token of the module's options. */
export const GATEHOUSE_OPTIONS = Symbol('GATEHOUSE_OPTIONS');
