/**
 * Header segments already decoded, with their `kid`. Gatehouse's tokens share a handful of
 * headers (one per key and type), so each is decoded once; a flood of made-up headers only
 * fills the first few places and is otherwise decoded each time, never remembered.
 */
const KNOWN_HEADERS = new Map<string, unknown>();
const KNOWN_HEADERS_LIMIT = 64;

/** The `kid` of a compact JWS's protected header, or undefined when it has none or is not a JWS. */
export function kidOf(token: string): unknown {
  const end = token.indexOf('.');
  if (end <= 0) return undefined;
  const segment = token.slice(0, end);
  if (KNOWN_HEADERS.has(segment)) return KNOWN_HEADERS.get(segment);
  let kid: unknown;
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    kid = typeof header === 'object' && header !== null ? (header as { kid?: unknown }).kid : undefined;
  } catch {
    kid = undefined;
  }
  if (KNOWN_HEADERS.size < KNOWN_HEADERS_LIMIT) KNOWN_HEADERS.set(segment, kid);
  return kid;
}
