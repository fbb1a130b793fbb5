import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@app/metrics';
import { UsersModule } from '@app/users';
import { AuthMetrics } from './auth-metrics.js';
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
 * Tokens and their keys, sessions and revocation: what the CLI loads (`gatehouse user disable`) without an
 * HTTP server, a LISTEN connection, Redis or bcrypt workers.
 */
@Module({
  imports: [
    UsersModule,
    MetricsModule,
    TypeOrmModule.forFeature([Session]),
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
  ],
})
export class AuthCoreModule {}
