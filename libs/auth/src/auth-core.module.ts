import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@app/metrics';
import { UsersModule } from '@app/users';
import { AuthMetrics } from './auth-metrics.js';
import { OAuthClient } from './clients/client.entity.js';
import { ClientsRepository } from './clients/clients.repository.js';
import { ClientsService } from './clients/clients.service.js';
import { RevokedSessions } from './revocation/revoked-sessions.js';
import { Session } from './sessions/session.entity.js';
import { SessionsRepository } from './sessions/sessions.repository.js';
import { SessionsService } from './sessions/sessions.service.js';
import { SuccessorSeal } from './sessions/successor-seal.js';
import { SigningKeys, SigningKeysModule } from './tokens/signing-keys.js';
import { TokenProvider } from './tokens/token-provider.js';

/**
 * Tokens, sessions, service clients and revocation: what the CLI loads (`gatehouse user disable`) without an
 * HTTP server, a LISTEN connection, Redis or bcrypt workers.
 */
@Module({
  imports: [
    UsersModule,
    MetricsModule,
    TypeOrmModule.forFeature([Session, OAuthClient]),
    JwtModule.registerAsync({
      imports: [SigningKeysModule],
      inject: [SigningKeys],
      useFactory: (keys: SigningKeys) => ({ secretOrKeyProvider: (type, tokenOrPayload) => keys.keyFor(type, tokenOrPayload) }),
    }),
    SigningKeysModule,
  ],
  providers: [
    AuthMetrics,
    TokenProvider,
    RevokedSessions,
    SessionsRepository,
    SessionsService,
    SuccessorSeal,
    ClientsRepository,
    ClientsService,
  ],
  exports: [
    AuthMetrics,
    TokenProvider,
    RevokedSessions,
    SessionsRepository,
    SessionsService,
    SuccessorSeal,
    ClientsRepository,
    ClientsService,
  ],
})
export class AuthCoreModule {}
