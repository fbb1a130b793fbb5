import { JwtService } from '@nestjs/jwt';
import type { KeyObject } from 'node:crypto';
import { type Environment, loadGatehouseConfigOrThrow, type SecurityConfig } from '@app/config';
import { MetricsRegistry } from '@app/metrics';
import { AuthMetrics } from '../auth-metrics.js';
import { AccessTokenVerifier } from '../tokens/access-token-verifier.js';
import { JwtAccessStrategy } from '../tokens/jwt-access.strategy.js';
import { type AsymmetricAlgorithm, generateSigningKeyPair, keyIdOf, publicJwkOf } from '../tokens/keys/signing-key-material.js';
import { SigningKeySeal } from '../tokens/keys/signing-key-seal.js';
import type { StoredSigningKey } from '../tokens/keys/signing-keys.repository.js';
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

/** A stored signing key as `SigningKeyRotation` makes one (sealed under the stack's secret), for `keys.use([...])`. */
export async function storedKey(
  stack: TokenStack,
  algorithm: AsymmetricAlgorithm,
  times: { activatesAt?: Date; retiredAt?: Date | null } = {},
): Promise<StoredSigningKey & { privateKey: KeyObject }> {
  const { publicKey, privateKey } = await generateSigningKeyPair(algorithm);
  const publicJwk = publicJwkOf(publicKey);
  const kid = await keyIdOf(publicJwk);
  return {
    kid,
    algorithm,
    publicJwk,
    sealedPrivateKey: new SigningKeySeal(stack.security).seal(privateKey, kid),
    createdAt: new Date(),
    activatesAt: times.activatesAt ?? new Date(Date.now() - 1000),
    retiredAt: times.retiredAt ?? null,
    privateKey,
  };
}
