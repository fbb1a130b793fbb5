/**
 * What went wrong, in the domain's words. The one HTTP error filter maps each kind to a status
 * (`invalid` → 400, `unauthenticated` → 401, `forbidden` → 403, `not_found` → 404,
 * `conflict` → 409, `unsupported_media_type` → 415, `too_many_requests` → 429,
 * `unavailable` → 503); nothing in the libs throws an HTTP exception.
 */
export type DomainErrorKind =
  'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unsupported_media_type' | 'too_many_requests' | 'unavailable';

/** A refusal with a stable message the client may see, and optional response headers. */
export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
