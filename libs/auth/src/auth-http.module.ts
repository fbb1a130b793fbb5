import { Module, type Type } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { SecurityConfig } from '@app/config';
import { UsersModule } from '@app/users';
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

/**
 * Authentication over HTTP: the route-access table, the request hook that decides access, the
 * global guard that enforces that decision, the `/auth` routes and their rate limits, and the
 * revocation listener that keeps every instance in step.
 */
@Module({
  imports: [AuthCoreModule, UsersModule, DiscoveryModule, PassportModule, RateLimitModule],
  controllers: [AuthController, WellKnownController],
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
  ],
  exports: [AuthCoreModule, AccessTokenVerifier],
})
export class AuthHttpModule {}
