import { STATUS_CODES } from 'node:http';

/**
 * Why a request or a token was refused:
 * - `missing`: no `Authorization` header (401, a challenge without `error`);
 * - `format`: not `Bearer <token>` (401 `invalid_token`);
 * - `duplicate`: several `Authorization` headers (400 `invalid_request`);
 * - `invalid`, `expired`, `issuer`: the token failed verification, or introspection says it is
 *   no longer active (401 `invalid_token`);
 * - `audience`: none of the token's surfaces is accepted by the route (403 `insufficient_scope`);
 * - `resource`: the token does not carry the route's resource URI in `aud` (401 `invalid_token`, RFC 8707);
 * - `unavailable`: Gatehouse had to be asked (JWKS, introspection) and did not answer (503, `Retry-After`).
 */
export type GatehouseRefusalReason =
  'missing' | 'format' | 'duplicate' | 'invalid' | 'expired' | 'issuer' | 'audience' | 'resource' | 'unavailable';

/** RFC 6750 section 3.1's error codes. */
export type BearerError = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/** The error body Gatehouse answers: `{statusCode, error, message}`. */
export interface GatehouseErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** Seconds a client is told to wait when Gatehouse could not be asked. */
export const UNAVAILABLE_RETRY_SECONDS = 5;

const REALM = 'Bearer realm="gatehouse"';

/**
 * A refusal, with everything needed to answer it as Gatehouse does: the status, the message,
 * the body and the RFC 6750 `WWW-Authenticate` challenge (with RFC 9728's `resource_metadata`
 * when given one). Instances are immutable and shared.
 */
export class GatehouseRefusal {
  readonly body: GatehouseErrorBody;
  private readonly challenges = new Map<string, string>();

  constructor(
    readonly reason: GatehouseRefusalReason,
    readonly status: number,
    readonly message: string,
    readonly error?: BearerError,
  ) {
    this.body = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', message };
  }

  /** The `WWW-Authenticate` value, or undefined for a refusal that is not about the token (503). */
  challenge(resourceMetadataUrl?: string): string | undefined {
    if (this.reason === 'unavailable') return undefined;
    const key = resourceMetadataUrl ?? '';
    let value = this.challenges.get(key);
    if (value === undefined) {
      value = REALM;
      if (this.error !== undefined) value += `, error="${this.error}", error_description="${this.message}"`;
      if (resourceMetadataUrl !== undefined) value += `, resource_metadata="${resourceMetadataUrl}"`;
      this.challenges.set(key, value);
    }
    return value;
  }

  /** Every header of the answer: `WWW-Authenticate`, or `Retry-After` for 503. */
  headers(resourceMetadataUrl?: string): Record<string, string> {
    if (this.reason === 'unavailable') return { 'Retry-After': String(UNAVAILABLE_RETRY_SECONDS) };
    return { 'WWW-Authenticate': this.challenge(resourceMetadataUrl)! };
  }
}

/** The refusals whose message is the same everywhere, built once. */
export const REFUSALS = {
  missing: new GatehouseRefusal('missing', 401, 'Missing Authorization header'),
  format: new GatehouseRefusal('format', 401, 'Invalid Authorization header format. Use: Bearer <token>', 'invalid_token'),
  // Node keeps only the first of several; which one a proxy or a cache looked at is anyone's guess.
  duplicate: new GatehouseRefusal('duplicate', 400, 'Multiple Authorization headers', 'invalid_request'),
  invalid: new GatehouseRefusal('invalid', 401, 'Invalid token', 'invalid_token'),
  expired: new GatehouseRefusal('expired', 401, 'Token expired', 'invalid_token'),
  issuer: new GatehouseRefusal('issuer', 401, 'Invalid issuer', 'invalid_token'),
  unavailable: new GatehouseRefusal(
    'unavailable',
    503,
    `Gatehouse could not be reached to check the token; retry in ${UNAVAILABLE_RETRY_SECONDS} seconds`,
  ),
} as const satisfies Record<string, GatehouseRefusal>;

/** `Invalid audience: this route accepts web, api`, as Gatehouse words it. */
export function invalidAudienceMessage(accepted: readonly string[]): string {
  return accepted.length === 0
    ? 'Invalid audience: this route accepts no audience'
    : `Invalid audience: this route accepts ${accepted.join(', ')}`;
}

/** 403 `insufficient_scope`: the token carries none of the surfaces the route accepts. */
export function audienceRefusal(accepted: readonly string[]): GatehouseRefusal {
  return new GatehouseRefusal('audience', 403, invalidAudienceMessage(accepted), 'insufficient_scope');
}

/** 401 `invalid_token`: the token was not issued for this resource (RFC 8707, RFC 9068 section 4). */
export function resourceRefusal(resource: string): GatehouseRefusal {
  return new GatehouseRefusal('resource', 401, `Invalid resource: this route accepts tokens for ${resource}`, 'invalid_token');
}
