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
import { SigningKeyRotation } from './tokens/keys/signing-key-rotation.js';
import { SigningKeys, SigningKeysModule } from './tokens/keys/signing-keys.js';
import { SigningKeysRepository } from './tokens/keys/signing-keys.repository.js';
import { TokenProvider } from './tokens/token-provider.js';

/**
 * Tokens and their keys, sessions, service clients and revocation: what the CLI loads (`gatehouse user disable`) without an
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
      useFactory: (keys: SigningKeys) => ({
        secretOrKeyProvider: (type, tokenOrPayload, options) => keys.keyFor(type, tokenOrPayload, options),
      }),
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
    SigningKeysRepository,
    SigningKeyRotation,
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
    SigningKeysModule,
    SigningKeysRepository,
    SigningKeyRotation,
    ClientsRepository,
    ClientsService,
  ],
})
export class AuthCoreModule {}
