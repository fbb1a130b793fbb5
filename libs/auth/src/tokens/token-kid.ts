/** What Gatehouse reads of a token's protected header before verifying it: which key, which algorithm. */
export interface KeyHint {
  readonly kid: unknown;
  readonly alg: unknown;
}

const NO_HINT: KeyHint = Object.freeze({ kid: undefined, alg: undefined });

/**
 * Header segments already decoded. Gatehouse's tokens share a handful of headers (one per key
 * and type), so each is decoded once; a flood of made-up headers only fills the first few
 * places and is otherwise decoded each time, never remembered.
 */
const KNOWN_HEADERS = new Map<string, KeyHint>();
const KNOWN_HEADERS_LIMIT = 64;

/** The `kid` and `alg` of a compact JWS's protected header (undefined when absent, or not a JWS). */
export function keyHintOf(token: string): KeyHint {
  const end = token.indexOf('.');
  if (end <= 0) return NO_HINT;
  const segment = token.slice(0, end);
  let hint = KNOWN_HEADERS.get(segment);
  if (hint !== undefined) return hint;
  try {
    const header: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    hint =
      typeof header === 'object' && header !== null
        ? Object.freeze({ kid: (header as { kid?: unknown }).kid, alg: (header as { alg?: unknown }).alg })
        : NO_HINT;
  } catch {
    hint = NO_HINT;
  }
  if (KNOWN_HEADERS.size < KNOWN_HEADERS_LIMIT) KNOWN_HEADERS.set(segment, hint);
  return hint;
}

/** The `kid` of a compact JWS's protected header, or undefined when it has none or is not a JWS. */
export function kidOf(token: string): unknown {
  return keyHintOf(token).kid;
}
