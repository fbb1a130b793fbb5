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

/**
 * The key an address is counted under by the rate limits: an IPv4 address as it is (an
 * IPv4-mapped IPv6 address as its IPv4 form), an IPv6 address by its /64 prefix. One host is
 * normally given a whole /64, so counting single IPv6 addresses would give an attacker endless
 * fresh ones: past every per-address limit, up to the per-account ceiling that locks the owner out.
 */
export function rateLimitKey(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped !== null) return mapped[1];
  const bare = address.split('%', 1)[0];
  if (isIP(bare) !== 6) return address;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':').flatMap((group) => (group.includes('.') ? ['0', '0'] : [group])));
  const [head, tail] = bare.split('::');
  const headGroups = groupsOf(head);
  const groups =
    tail === undefined
      ? headGroups
      : [...headGroups, ...Array<string>(8 - headGroups.length - groupsOf(tail).length).fill('0'), ...groupsOf(tail)];
  return `${groups
    .slice(0, 4)
    .map((group) => parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
