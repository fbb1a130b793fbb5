import type { FastifyRequest } from 'fastify';
import type { TokenClaims } from '../tokens/token-provider.js';

/** What the guard attaches to a request it let through with a token. */
export interface RequestAuth {
  userId: string;
  sessionId: string;
  claims: Readonly<TokenClaims>;
}

export type AuthenticatedRequest = FastifyRequest & { auth: RequestAuth };
