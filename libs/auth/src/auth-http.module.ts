import { Module, type Type } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { SecurityConfig } from '@app/config';
import { UsersModule } from '@app/users';
import { WorkspacesModule } from '@app/workspaces';
import { AccessDecisionHook } from './access/access-decision.hook.js';
import { RequestAuthenticator } from './access/request-authenticator.js';
import { RouteAccessTable } from './access/route-access-table.js';
import { RouteAccessGuard } from './access/route-access.guard.js';
import { AuthCoreModule } from './auth-core.module.js';
import { AuthController } from './http/auth.controller.js';
import { AuthService } from './http/auth.service.js';
import { AddressRateLimitGuard } from './http/rate-limit/address-rate-limit.guard.js';
import { AuthRateLimits } from './http/rate-limit/auth-rate-limits.js';
import { RateLimitModule } from './http/rate-limit/rate-limit.module.js';
import { RevocationSync } from './revocation/revocation-sync.js';
import { AccessTokenVerifier } from './tokens/access-token-verifier.js';
import { JwtAccessStrategy } from './tokens/jwt-access.strategy.js';
import { SigningKeysSync } from './tokens/keys/signing-keys-sync.js';
import { WellKnownController } from './http/well-known.controller.js';
import { ClientAuthentication } from './oauth/client-authentication.js';
import { Introspection } from './oauth/introspection.service.js';
import { OAuthController } from './oauth/oauth.controller.js';
import { Revocation } from './oauth/revocation.service.js';
import { TokenEndpoint } from './oauth/token-endpoint.service.js';
import { TokenExchange } from './oauth/token-exchange.js';

/**
 * Authentication over HTTP: the route-access table, the request hook that decides access, the
 * global guard that enforces that decision, the `/auth` routes and their rate limits, the OAuth
 * routes (`/oauth`: client credentials, token exchange, introspection, revocation), and the
 * revocation listener that keeps every instance in step.
 */
@Module({
  imports: [AuthCoreModule, UsersModule, WorkspacesModule, DiscoveryModule, PassportModule, RateLimitModule],
  controllers: [AuthController, WellKnownController, OAuthController],
  providers: [
    {
      provide: RouteAccessTable,
      inject: [DiscoveryService, SecurityConfig],
      // Built while the application is created, before Nest registers the routes with Fastify.
      useFactory: (discovery: DiscoveryService, security: SecurityConfig) => {
        const controllers = discovery
          .getControllers()
          .map((wrapper) => wrapper.metatype as Type | null | undefined)
          .filter((metatype): metatype is Type => metatype !== null && metatype !== undefined);
        const table = RouteAccessTable.resolve(controllers, security.audiences);
        table.attachToRoutes();
        return table;
      },
    },
    JwtAccessStrategy,
    AccessTokenVerifier,
    RequestAuthenticator,
    AccessDecisionHook,
    RouteAccessGuard,
    { provide: APP_GUARD, useExisting: RouteAccessGuard },
    RevocationSync,
    SigningKeysSync,
    AuthRateLimits,
    AddressRateLimitGuard,
    AuthService,
    ClientAuthentication,
    TokenExchange,
    TokenEndpoint,
    Introspection,
    Revocation,
  ],
  exports: [AuthCoreModule, AccessTokenVerifier],
})
export class AuthHttpModule {}
