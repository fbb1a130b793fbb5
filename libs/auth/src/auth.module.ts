import { Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { SecurityConfig } from '@app/config';
import { MetricsModule } from '@app/metrics';
import { UsersModule } from '@app/users';
import { AuthController } from './auth.controller.js';
import { AuthMetrics } from './auth-metrics.js';
import { AuthService } from './auth.service.js';
import { AuthGuard } from './guard/auth.guard.js';
import { EarlyRejection } from './guard/early-rejection.js';
import { RouteAccessAudit } from './guard/route-access-audit.js';
import { AddressRateLimitGuard } from './rate-limit/address-rate-limit.guard.js';
import { AuthRateLimits } from './rate-limit/auth-rate-limits.js';
import { RevocationRegistry } from './revocation/revocation-registry.js';
import { Session } from './sessions/session.entity.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SessionsService } from './sessions/sessions.service.js';
import { TokenProvider } from './tokens/token-provider.js';

/** Tokens, sessions, the global guard and the /auth routes. */
@Module({
  imports: [
    UsersModule,
    MetricsModule,
    DiscoveryModule,
    TypeOrmModule.forFeature([Session]),
    JwtModule.registerAsync({
      inject: [SecurityConfig],
      useFactory: (security: SecurityConfig) => ({ secret: security.signingKey }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthMetrics,
    TokenProvider,
    RevocationRegistry,
    SessionsRepository,
    SessionsService,
    AuthService,
    AuthRateLimits,
    AddressRateLimitGuard,
    RouteAccessAudit,
    AuthGuard,
    { provide: APP_GUARD, useExisting: AuthGuard },
    EarlyRejection,
  ],
  exports: [TokenProvider, SessionsService, RevocationRegistry],
})
export class AuthModule {}
