import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';

/**
 * The client's address as TRUST_PROXY allows (Fastify's `request.ip`: the socket's, or the
 * `X-Forwarded-For` entry the trusted proxies vouch for). An entry that is not an IP address
 * (a proxy passing on garbage) is never used: the socket's address stands in for it, so rate
 * limits and sessions only ever hold real addresses.
 */
export function clientAddress(request: FastifyRequest): string {
  const forwarded = request.ip;
  if (typeof forwarded === 'string' && isIP(forwarded) !== 0) return forwarded;
  return request.socket.remoteAddress ?? 'unknown';
}
