import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { INTROSPECTION_UNAVAILABLE, TokenIntrospection } from './introspection.js';
import { GATEHOUSE_OPTIONS, type GatehouseModuleOptions } from './options.js';
import type { Actor, GatehousePrincipal, WorkspaceRole } from './principal.js';
import { audienceRefusal, GatehouseRefusal, REFUSALS, resourceRefusal } from './refusal.js';
import { isSurface, SURFACES, type Surface } from './surfaces.js';

/** Gatehouse's access-token type (RFC 9068). */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;
export const DEFAULT_ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const DEFAULT_CACHE_SIZE = 10_000;
/** Routes whose outcome a cached token keeps: a caller handing `authorizeRoute` new expectations each time cannot grow an entry. */
const ROUTES_REMEMBERED_PER_TOKEN = 32;
const WORKSPACE_ROLES: ReadonlySet<string> = new Set(['owner', 'admin', 'member']);
const CLIENT_SUBJECT_PREFIX = 'client:';

/** What a token must fit, besides being a valid Gatehouse access token. */
export interface VerificationExpectations {
  /** The surfaces accepted: the token must carry at least one of them in `aud`. */
  audiences: readonly Surface[];
  /**
   * The resource URI the token must carry in `aud` (RFC 8707). Left out: the module's
   * `resource` option, if any; `null`: no resource is required.
   */
  resource?: string | null;
}

/** A verified token, before the route's own checks: what the cache keeps. */
interface VerifiedToken {
  readonly exp: number;
  readonly surfaces: readonly Surface[];
  readonly resources: readonly string[];
  /** The principal, less the route-dependent `audiences`. */
  readonly principal: Readonly<Omit<GatehousePrincipal, 'audiences'>>;
  /** What the token gets on each guarded route it came to again (keyed by the route's lasting expectations). */
  routes?: Map<VerificationExpectations, Readonly<GatehousePrincipal> | GatehouseRefusal>;
}

/** The key set could not be fetched (as opposed to a token whose key is not in it). */
class KeySetUnavailable extends Error {}

type KeyResolver = JWTVerifyGetKey;

const BEARER_PREFIX = 'Bearer ';
const BEARER = /^Bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i;

/**
 * Verifies Gatehouse access tokens as Gatehouse does (SPEC section 2): signature with pinned
 * algorithms (`jose`), header `typ: at+jwt`, `iss`, `exp`, `nbf` and `iat` with the clock
 * tolerance, then the surfaces and resource the caller accepts, then (optionally) whether
 * Gatehouse still holds the token active. Used by the guard, and by anything that receives
 * tokens outside Nest's routing (an MCP or A2A transport). Never throws for a bad token: it
 * answers with a `GatehouseRefusal`.
 */
@Injectable()
export class GatehouseVerifier {
  private readonly tolerance: number;
  private readonly algorithms: string[];
  private readonly keys: KeyResolver | Uint8Array[];
  private readonly verified: LRUCache<string, VerifiedToken> | undefined;
  private readonly introspection: TokenIntrospection | undefined;
  private readonly audienceRefusals = new Map<string, GatehouseRefusal>();
  private readonly resourceRefusals = new Map<string, GatehouseRefusal>();

  constructor(@Inject(GATEHOUSE_OPTIONS) private readonly options: GatehouseModuleOptions) {
    assertValidOptions(options);
    this.tolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
    if (options.secret !== undefined) {
      const encoder = new TextEncoder();
      this.keys = [options.secret, ...(options.previousSecrets ?? [])].map((secret) => encoder.encode(secret));
      this.algorithms = ['HS256'];
    } else {
      const jwks = createRemoteJWKSet(new URL(options.jwksUrl!), {
        cacheMaxAge: (options.jwks?.cacheMaxAgeSeconds ?? 300) * 1000,
        cooldownDuration: (options.jwks?.cooldownSeconds ?? 1) * 1000,
        timeoutDuration: options.jwks?.timeoutMs ?? 5000,
      });
      this.keys = async (header, token) => {
        try {
          return await jwks(header, token);
        } catch (error) {
          // A key that is not in the (just refreshed) set is the token's fault; anything else is the fetch's.
          if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) throw error;
          throw new KeySetUnavailable(error instanceof Error ? error.message : String(error));
        }
      };
      this.algorithms = options.algorithms ?? DEFAULT_ASYMMETRIC_ALGORITHMS;
    }
    const cacheSize = options.verifiedTokenCacheSize ?? DEFAULT_CACHE_SIZE;
    this.verified = cacheSize > 0 ? new LRUCache({ max: cacheSize }) : undefined;
    this.introspection = options.introspection === undefined ? undefined : new TokenIntrospection(options.introspection);
  }

  /**
   * Checks an `Authorization` header value (`Bearer <token>`) and its token. `rawHeaders`
   * (Node's `IncomingMessage.rawHeaders`), when given, lets it refuse a request with several
   * `Authorization` headers, of which Node keeps only the first.
   */
  verifyAuthorization(
    authorization: string | undefined,
    expectations: VerificationExpectations,
    rawHeaders?: readonly string[],
  ): Promise<Readonly<GatehousePrincipal> | GatehouseRefusal> {
    const token = bearerToken(authorization, rawHeaders);
    return token instanceof GatehouseRefusal ? Promise.resolve(token) : this.verify(token, expectations);
  }

  /**
   * The guard's check of a route's request: as `verifyAuthorization`, but answered without a
   * promise for a token verified before (unless introspection must be asked), and remembered
   * per route while the token stays cached. `expectations` must be the route's own lasting
   * object (`RouteAccess`), not one made per request.
   */
  authorizeRoute(
    authorization: string | undefined,
    expectations: VerificationExpectations,
    rawHeaders?: readonly string[],
  ): Readonly<GatehousePrincipal> | GatehouseRefusal | Promise<Readonly<GatehousePrincipal> | GatehouseRefusal> {
    // A cached token passed the format check when it was verified, so a header sending it as
    // `Bearer <token>` is looked up before the check; any other header gets the check first.
    const sent = authorization?.startsWith(BEARER_PREFIX) === true ? authorization.slice(BEARER_PREFIX.length) : undefined;
    const verified = sent === undefined ? undefined : this.cached(sent);
    if (sent === undefined || verified === undefined) {
      const token = bearerToken(authorization, rawHeaders);
      return token instanceof GatehouseRefusal ? token : this.verify(token, expectations);
    }
    if (rawHeaders !== undefined && hasSeveralAuthorizations(rawHeaders)) return REFUSALS.duplicate;
    if (verified instanceof GatehouseRefusal) return verified;
    let outcome = verified.routes?.get(expectations);
    if (outcome === undefined) {
      outcome = this.fit(verified, expectations);
      const routes = (verified.routes ??= new Map());
      if (routes.size < ROUTES_REMEMBERED_PER_TOKEN) routes.set(expectations, outcome);
    }
    return outcome instanceof GatehouseRefusal || this.introspection === undefined ? outcome : this.stillActive(sent, verified, outcome);
  }

  /** The principal of a Gatehouse access token that fits the expectations, or why it is refused. */
  async verify(token: string, expectations: VerificationExpectations): Promise<Readonly<GatehousePrincipal> | GatehouseRefusal> {
    const verified = this.cached(token) ?? (await this.verifyToken(token));
    if (verified instanceof GatehouseRefusal) return verified;
    const outcome = this.fit(verified, expectations);
    return outcome instanceof GatehouseRefusal || this.introspection === undefined ? outcome : this.stillActive(token, verified, outcome);
  }

  /** The principal a verified token has on a route, or why the route refuses it: its surfaces, then its resource. */
  private fit(verified: VerifiedToken, expectations: VerificationExpectations): Readonly<GatehousePrincipal> | GatehouseRefusal {
    const audiences = verified.surfaces.filter((surface) => expectations.audiences.includes(surface));
    if (audiences.length === 0) return this.audienceRefusal(expectations.audiences);
    const resource = expectations.resource === undefined ? this.options.resource : (expectations.resource ?? undefined);
    if (resource !== undefined && !verified.resources.includes(resource)) return this.resourceRefusal(resource);
    return Object.freeze({ ...verified.principal, audiences });
  }

  /** The principal, if Gatehouse still holds the token active (introspection, answers cached). */
  private async stillActive(
    token: string,
    verified: VerifiedToken,
    principal: Readonly<GatehousePrincipal>,
  ): Promise<Readonly<GatehousePrincipal> | GatehouseRefusal> {
    const active = await this.introspection!.isActive(token, verified.exp);
    if (active === INTROSPECTION_UNAVAILABLE) return REFUSALS.unavailable;
    return active ? principal : REFUSALS.invalid;
  }

  /** A token verified before and not expired since; `expired` is answered from the cache too. */
  private cached(token: string): VerifiedToken | GatehouseRefusal | undefined {
    const entry = this.verified?.get(token);
    if (entry === undefined) return undefined;
    if (entry.exp <= Date.now() / 1000 - this.tolerance) {
      this.verified!.delete(token);
      return REFUSALS.expired;
    }
    return entry;
  }

  private async verifyToken(token: string): Promise<VerifiedToken | GatehouseRefusal> {
    let payload: JWTPayload;
    try {
      payload = await this.verifySignatureAndTimes(token);
    } catch (error) {
      if (error instanceof errors.JWTExpired) return REFUSALS.expired;
      if (error instanceof KeySetUnavailable) return REFUSALS.unavailable;
      return REFUSALS.invalid;
    }
    // The issuer is checked after the expiry, as Gatehouse does: an expired token is `Token expired` whatever its issuer.
    if (payload.iss !== this.options.issuer) return REFUSALS.issuer;
    const verified = toVerifiedToken(token, payload, Date.now() / 1000 + this.tolerance);
    if (verified === undefined) return REFUSALS.invalid;
    this.verified?.set(token, verified);
    return verified;
  }

  private async verifySignatureAndTimes(token: string): Promise<JWTPayload> {
    const verifyOptions = {
      algorithms: this.algorithms,
      typ: ACCESS_TOKEN_TYPE,
      clockTolerance: this.tolerance,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
    };
    if (!Array.isArray(this.keys)) return (await jwtVerify(token, this.keys, verifyOptions)).payload;
    // HS256: the current secret, then the previous ones (PLATFORM_JWT_PREVIOUS_SECRETS).
    for (let i = 0; ; i++) {
      try {
        return (await jwtVerify(token, this.keys[i], verifyOptions)).payload;
      } catch (error) {
        if (!(error instanceof errors.JWSSignatureVerificationFailed) || i === this.keys.length - 1) throw error;
      }
    }
  }

  private audienceRefusal(accepted: readonly Surface[]): GatehouseRefusal {
    // In the order Gatehouse names them (web, api, a2a, mcp), one shared refusal per set.
    const ordered = SURFACES.filter((surface) => accepted.includes(surface));
    const key = ordered.join(',');
    let refusal = this.audienceRefusals.get(key);
    if (refusal === undefined) this.audienceRefusals.set(key, (refusal = audienceRefusal(ordered)));
    return refusal;
  }

  private resourceRefusal(resource: string): GatehouseRefusal {
    let refusal = this.resourceRefusals.get(resource);
    if (refusal === undefined) this.resourceRefusals.set(resource, (refusal = resourceRefusal(resource)));
    return refusal;
  }
}

/**
 * The claims Gatehouse puts in an access token (SPEC sections 2 and 6), each checked for its
 * type, as a principal; undefined when one is malformed or `iat` lies in the future.
 */
function toVerifiedToken(token: string, payload: JWTPayload, latestIssuedAt: number): VerifiedToken | undefined {
  const { sub, aud, exp, iat, sid, jti, client_id, workspace_id, workspace_role, scope, act } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '' || typeof exp !== 'number' || typeof iat !== 'number' || iat > latestIssuedAt) return undefined;
  if (!Array.isArray(aud) || aud.length === 0 || !aud.every((entry) => typeof entry === 'string')) return undefined;
  if (
    !optionalString(sid) ||
    !optionalString(jti) ||
    !optionalString(client_id) ||
    !optionalString(workspace_id) ||
    !optionalString(scope)
  ) {
    return undefined;
  }
  if (workspace_role !== undefined && !WORKSPACE_ROLES.has(workspace_role as string)) return undefined;
  if (act !== undefined && !isActor(act)) return undefined;
  const entries = aud;
  const surfaces = entries.filter(isSurface);
  const resources = entries.filter((entry) => !isSurface(entry) && URL.canParse(entry));
  const isClient = sub.startsWith(CLIENT_SUBJECT_PREFIX);
  const principal: Omit<GatehousePrincipal, 'audiences'> = {
    kind: isClient ? 'client' : 'user',
    subject: sub,
    resources,
    expiresAt: new Date(exp * 1000),
    token,
    claims: payload,
  };
  if (!isClient) principal.userId = sub;
  const clientId = (client_id as string | undefined) ?? (isClient ? sub.slice(CLIENT_SUBJECT_PREFIX.length) : undefined);
  if (clientId !== undefined) principal.clientId = clientId;
  if (sid !== undefined) principal.sessionId = sid as string;
  if (workspace_id !== undefined) principal.workspaceId = workspace_id as string;
  if (workspace_role !== undefined) principal.workspaceRole = workspace_role as WorkspaceRole;
  if (act !== undefined) principal.actor = act;
  if (scope !== undefined) principal.scope = (scope as string).split(' ').filter((entry) => entry !== '');
  return { exp, surfaces, resources, principal: Object.freeze(principal) };
}

function optionalString(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}

function isActor(value: unknown, depth = 0): value is Actor {
  if (typeof value !== 'object' || value === null || depth > 8) return false;
  const { sub, act } = value as { sub?: unknown; act?: unknown };
  return typeof sub === 'string' && (act === undefined || isActor(act, depth + 1));
}

/**
 * The token of an `Authorization` header value (`Bearer <token>`), or why there is none.
 * `rawHeaders` (Node's `IncomingMessage.rawHeaders`), when given, lets it refuse a request with
 * several `Authorization` headers, of which Node keeps only the first.
 */
function bearerToken(authorization: string | undefined, rawHeaders: readonly string[] | undefined): string | GatehouseRefusal {
  if (authorization === undefined || authorization === '') return REFUSALS.missing;
  const match = BEARER.exec(authorization);
  if (match === null) return REFUSALS.format;
  if (rawHeaders !== undefined && hasSeveralAuthorizations(rawHeaders)) return REFUSALS.duplicate;
  return match[1];
}

/** Whether the request carried more than one Authorization header (Node's `headers` keeps the first only). */
function hasSeveralAuthorizations(rawHeaders: readonly string[]): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    if (name.length === 13 && name.toLowerCase() === 'authorization' && ++seen > 1) return true;
  }
  return false;
}

/** The options' mistakes, found when the module starts rather than at the first request. */
/** Gatehouse's built-in development secret: public, so never proof of anything outside development. */
const GATEHOUSE_DEVELOPMENT_SECRET = 'gatehouse-insecure-development-secret-do-not-use-in-production';

function assertValidOptions(options: GatehouseModuleOptions): void {
  const problems: string[] = [];
  if (typeof options.issuer !== 'string' || options.issuer === '') problems.push('issuer is required');
  if ((options.jwksUrl === undefined) === (options.secret === undefined)) problems.push('give exactly one of jwksUrl and secret');
  if (options.jwksUrl !== undefined && !/^https?:\/\//.test(options.jwksUrl))
    problems.push(`jwksUrl must be an http(s) URL, got ${options.jwksUrl}`);
  if (options.secret === '') problems.push('secret must not be empty');
  if (options.allowDevelopmentSecret !== true) {
    for (const [name, secret] of [
      ['secret', options.secret],
      ...(options.previousSecrets ?? []).map((previous) => ['previousSecrets', previous]),
    ]) {
      if (secret === undefined || secret === '') continue;
      if (secret === GATEHOUSE_DEVELOPMENT_SECRET)
        problems.push(`${name}: the public built-in development secret is refused (allowDevelopmentSecret: true for development)`);
      else if (new TextEncoder().encode(secret).length < 32)
        problems.push(`${name}: a secret must be at least 32 bytes (allowDevelopmentSecret: true for development)`);
    }
  }
  if (options.previousSecrets !== undefined && options.secret === undefined) problems.push('previousSecrets go with secret (HS256)');
  if (options.resource !== undefined && !URL.canParse(options.resource))
    problems.push(`resource must be an absolute URI, got ${options.resource}`);
  const tolerance = options.clockToleranceSeconds;
  if (tolerance !== undefined && !(Number.isFinite(tolerance) && tolerance >= 0))
    problems.push('clockToleranceSeconds must be a number ≥ 0');
  if (options.algorithms?.includes('HS256') || options.algorithms?.includes('none')) {
    problems.push('algorithms lists the asymmetric ones (RS256, ES256, EdDSA); HS256 goes with secret');
  }
  if (problems.length > 0) throw new Error(`GatehouseModule options: ${problems.join('; ')}`);
}
