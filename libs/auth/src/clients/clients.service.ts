import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AUDIENCES } from '@app/config';
import { DomainError } from '@app/errors';
import { RevokedSessions } from '../revocation/revoked-sessions.js';
import { isResourceUri } from '../tokens/token-claims.js';
import type { OAuthClient } from './client.entity.js';
import { ClientsRepository, type SessionChange } from './clients.repository.js';

/** Bytes of randomness in a client secret: 256 bits, shown as 43 base64url characters. */
const SECRET_BYTES = 32;
export const MAX_CLIENT_NAME_LENGTH = 200;
export const MAX_CLIENT_RESOURCES = 20;
/** Clients kept in memory for authentication, at most, and for how long (a revoked session drops one at once). */
const CACHE_SIZE = 1000;
const CACHE_TTL_MS = 5 * 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

export interface NewClientInput {
  name: string;
  audiences: readonly string[];
  resources?: readonly string[];
}

/** A client as `gatehouse client list` shows it: never its secret or hash. */
export interface ClientView {
  client_id: string;
  name: string;
  audiences: string[];
  resources: string[];
  disabled: boolean;
  created_at: string;
  secret_rotated_at: string | null;
  disabled_at: string | null;
}

/** A client with its secret, as made or rotated: the only time the secret exists outside the client. */
export interface ClientWithSecret extends ClientView {
  client_secret: string;
}

export class ClientNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', `no client with id ${id}`);
  }
}

export class ClientDisabled extends DomainError {
  constructor(id: string) {
    super('conflict', `client ${id} is disabled`);
  }
}

export function toClientView(client: OAuthClient): ClientView {
  return {
    client_id: client.id,
    name: client.name,
    audiences: client.audiences,
    resources: client.resources,
    disabled: client.disabled,
    created_at: client.createdAt.toISOString(),
    secret_rotated_at: client.secretRotatedAt?.toISOString() ?? null,
    disabled_at: client.disabledAt?.toISOString() ?? null,
  };
}

/** SHA-256 of a secret, as stored. */
function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/**
 * Service clients (SPEC section 6): registering them, their secrets, and the revocation of
 * their tokens, at once here and, through NOTIFY, on every instance. A client's own tokens carry
 * its `session_id` as `sid`, so they are revoked exactly as a user's session is.
 */
@Injectable()
export class ClientsService {
  /** Clients recently authenticated, by id: introspection authenticates its caller on every request. */
  private readonly cache = new LRUCache<string, OAuthClient>({ max: CACHE_SIZE, ttl: CACHE_TTL_MS });

  constructor(
    private readonly clients: ClientsRepository,
    private readonly revoked: RevokedSessions,
  ) {}

  async create(input: NewClientInput): Promise<ClientWithSecret> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > MAX_CLIENT_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
      throw new DomainError('invalid', `name must be 1 to ${MAX_CLIENT_NAME_LENGTH} characters, without control characters`);
    }
    const audiences = [...new Set(input.audiences.map((audience) => audience.trim()))];
    const known: readonly string[] = AUDIENCES;
    if (audiences.length === 0 || !audiences.every((audience) => known.includes(audience))) {
      throw new DomainError('invalid', `audiences must be a non-empty list of ${AUDIENCES.join(', ')}`);
    }
    const resources = [...new Set(input.resources ?? [])];
    const badResource = resources.find((resource) => !isResourceUri(resource));
    if (badResource !== undefined) {
      throw new DomainError('invalid', `resource ${JSON.stringify(badResource)} is not an absolute URI without a fragment (RFC 8707)`);
    }
    if (resources.length > MAX_CLIENT_RESOURCES) throw new DomainError('invalid', `at most ${MAX_CLIENT_RESOURCES} resources`);
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const client = await this.clients.insert({ name, audiences, resources, secretHash: hashSecret(secret) });
    return { ...toClientView(client), client_secret: secret };
  }

  async list(): Promise<ClientView[]> {
    return (await this.clients.list()).map(toClientView);
  }

  /** Disables the client and revokes its tokens. */
  async disable(id: string): Promise<ClientView> {
    const change = await this.clients.disable(requireUuid(id));
    if (change === null) throw await this.whyUnchanged(id);
    return toClientView(this.afterRevocation(change));
  }

  /** A new secret; the old one stops working, and the tokens got with it are revoked. */
  async rotateSecret(id: string): Promise<ClientWithSecret> {
    const secret = randomBytes(SECRET_BYTES).toString('base64url');
    const change = await this.clients.rotateSecret(requireUuid(id), hashSecret(secret));
    if (change === null) throw await this.whyUnchanged(id);
    return { ...toClientView(this.afterRevocation(change)), client_secret: secret };
  }

  /** Revokes a client's own tokens of session `sessionId` (RFC 7009); its next token works. */
  async revokeTokens(id: string, sessionId: string): Promise<void> {
    const change = await this.clients.revokeSession(id, sessionId);
    if (change !== null) this.afterRevocation(change);
  }

  /**
   * The live client whose id and secret these are, or null. The client is read from memory
   * while its session stands (a revoked session means it was disabled or its secret changed:
   * it is read again); the secret is compared in constant time.
   */
  async authenticate(id: string, secret: string): Promise<OAuthClient | null> {
    const client = await this.load(id);
    if (client === null) return null;
    const matches = timingSafeEqual(hashSecret(secret), client.secretHash);
    return matches && this.isLive(client) ? client : null;
  }

  /** The live client of this id, or null (read as `authenticate` reads it). */
  async findLive(id: string): Promise<OAuthClient | null> {
    const client = await this.load(id);
    return client !== null && this.isLive(client) ? client : null;
  }

  private isLive(client: OAuthClient): boolean {
    return !client.disabled && !this.revoked.isRevoked(client.sessionId);
  }

  private async load(id: string): Promise<OAuthClient | null> {
    if (!UUID.test(id)) return null;
    const cached = this.cache.get(id);
    if (cached !== undefined && !this.revoked.isRevoked(cached.sessionId)) return cached;
    const client = await this.clients.findById(id);
    if (client !== null) this.cache.set(id, client);
    return client;
  }

  private afterRevocation(change: SessionChange): OAuthClient {
    this.revoked.markRevoked([change.revokedSessionId]);
    this.cache.delete(change.client.id);
    return change.client;
  }

  private async whyUnchanged(id: string): Promise<DomainError> {
    const client = await this.clients.findById(id);
    return client === null ? new ClientNotFound(id) : new ClientDisabled(id);
  }
}

function requireUuid(id: string): string {
  if (!UUID.test(id)) throw new DomainError('invalid', 'id must be a UUID');
  return id;
}
