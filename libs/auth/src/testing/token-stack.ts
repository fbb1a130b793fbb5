import { JwtService } from '@nestjs/jwt';
import { type Environment, loadGatehouseConfigOrThrow, type SecurityConfig } from '@app/config';
import { MetricsRegistry } from '@app/metrics';
import { AuthMetrics } from '../auth-metrics.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { JwtAccessStrategy } from '../tokens/jwt-access.strategy.js';
import { SigningKeySeal } from '../tokens/keys/signing-key-seal.js';
import { SigningKeys } from '../tokens/keys/signing-keys.js';
import { TokenProvider } from '../tokens/token-provider.js';

export interface TokenStack {
  security: SecurityConfig;
  keys: SigningKeys;
  tokens: TokenProvider;
  verifier: AccessTokenVerifier;
  metrics: AuthMetrics;
}

/** The token classes wired as the modules wire them, for unit tests (no Nest container). */
export function tokenStack(env: Environment): TokenStack {
  const { security } = loadGatehouseConfigOrThrow(env);
  const keys = new SigningKeys(security, new SigningKeySeal(security));
  const metrics = new AuthMetrics(new MetricsRegistry());
  const jwt = new JwtService({ secretOrKeyProvider: (type, tokenOrPayload, options) => keys.keyFor(type, tokenOrPayload, options) });
  const tokens = new TokenProvider(jwt, keys, security, metrics);
  const verifier = new AccessTokenVerifier(tokens, new JwtAccessStrategy(tokens, security), security);
  return { security, keys, tokens, verifier, metrics };
}
