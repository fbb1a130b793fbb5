/**
 * The built-in development secret. It is public (it is in this file), so outside dev
 * Gatehouse refuses to issue or accept tokens signed with it.
 */
export const DEFAULT_JWT_SECRET = 'gatehouse-insecure-development-secret-do-not-use-in-production';

/**
 * Values that stand in for a real secret or password in an example file: `change-me`,
 * `replace-with-the-output-of-gatehouse-secret-generate` (the value the Kubernetes Secret once
 * shipped), `<jwt-secret>`, an unexpanded `${JWT_SECRET}`. Outside dev such a value is refused:
 * whatever was copied from an example is public, and a 52-byte placeholder passes the length
 * rule.
 *
 * The words are compared without case, spaces or punctuation, so `Change_Me` and `CHANGEME`
 * count too. Each is at least 8 letters long, so a secret from `gatehouse secret generate`
 * (86 random base64url characters) contains one by chance about once in 10^9 secrets.
 */
const PLACEHOLDER_WORDS = [
  'changeme',
  'changethis',
  'replaceme',
  'replacethis',
  'replacewith',
  'placeholder',
  'yoursecret',
  'yourpassword',
  'secretgoeshere',
  'passwordgoeshere',
  'insertsecret',
  'insertpassword',
  'fillmein',
  'gatehousesecretgenerate',
];

/** Whole values that only name what belongs there (`PASSWORD` in `postgresql://app:PASSWORD@db/app`). */
const PLACEHOLDER_VALUES = ['password', 'passwd', 'secret', 'changeit', 'todo', 'tbd', 'xxx', 'xxxxxxxx'];

/** A template left unfilled: `<jwt-secret>`, `${JWT_SECRET}`, `$(gatehouse secret generate)`, `{{ secret }}`. */
const TEMPLATE = /^\s*(<[^<>]*>|\$\{[^}]*\}|\$\([^)]*\)|\{\{[^}]*\}\})\s*$/;

export function isPlaceholder(value: string): boolean {
  if (TEMPLATE.test(value)) return true;
  const letters = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  return PLACEHOLDER_VALUES.includes(letters) || PLACEHOLDER_WORDS.some((word) => letters.includes(word));
}

/** Whether the password of a URL (`postgresql://user:change-me@host/db`) is a placeholder. */
export function hasPlaceholderPassword(url: string): boolean {
  let password: string;
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return false;
  }
  return password !== '' && isPlaceholder(password);
}
