import { calculateJwkThumbprint } from 'jose';
import { generateKeyPair, type JsonWebKey, type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import type { SigningAlgorithm } from '@app/config';

export type AsymmetricAlgorithm = Exclude<SigningAlgorithm, 'HS256'>;

const generate = promisify(generateKeyPair);

/** A new key pair: RSA 2048 for RS256, P-256 for ES256, Ed25519 for EdDSA. */
export async function generateSigningKeyPair(algorithm: AsymmetricAlgorithm): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (algorithm) {
    case 'RS256':
      return generate('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generate('ed25519');
  }
}

/** The public JWK as the JWKS publishes it, without `kid`, `use` and `alg` (added by `publishedJwk`). */
export function publicJwkOf(publicKey: KeyObject): JsonWebKey {
  return publicKey.export({ format: 'jwk' });
}

/** The key id: the key's RFC 7638 thumbprint (SHA-256), so the same key always has the same id. */
export function keyIdOf(publicJwk: JsonWebKey): Promise<string> {
  return calculateJwkThumbprint(publicJwk, 'sha256');
}

/** A JWKS entry (RFC 7517): the public parameters with `kid`, `use: "sig"` and `alg`. */
export function publishedJwk(publicJwk: JsonWebKey, kid: string, algorithm: AsymmetricAlgorithm): JsonWebKey {
  return { ...publicJwk, kid, use: 'sig', alg: algorithm };
}

/**
 * An EdDSA (Ed25519) compact JWS. jsonwebtoken, under @nestjs/jwt and passport-jwt, has no EdDSA,
 * so these tokens are signed here, with Node's crypto (RFC 8037: the signature is Ed25519's over
 * the JWS signing input), and verified with jose. The unit tests verify them with jose too.
 */
export function signEdDsa(header: Record<string, unknown>, payload: object, privateKey: KeyObject): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
}
