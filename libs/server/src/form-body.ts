import type { FastifyInstance } from 'fastify';
import { DomainError } from '@app/errors';
import { isOAuthRoute } from '@app/http-api';
import { JSON_BODIES_ONLY } from './json-body.js';

/** Parameters in one form body, at most: an OAuth request has about ten. */
export const MAX_FORM_PARAMETERS = 100;

export const FORM_MESSAGES = {
  tooMany: `Request body has too many parameters (at most ${MAX_FORM_PARAMETERS})`,
  nul: 'must not contain the NUL character (%00)',
} as const;

/**
 * A form body's parameters: one value as a string, a repeated parameter (RFC 8693's `audience`
 * and `resource`) as the list of its values. In an object without a prototype, so that no
 * parameter name (`__proto__`, `constructor`) means anything but itself. Refused: more than
 * MAX_FORM_PARAMETERS parameters (counted before anything is decoded), and a name or value
 * holding NUL. Decoded as the WHATWG URL standard's `application/x-www-form-urlencoded` parser
 * (`URLSearchParams`) decodes: percent-decoding yields well-formed Unicode (malformed UTF-8
 * becomes U+FFFD).
 */
export function parseForm(text: string): Record<string, string | string[]> {
  let separators = 0;
  for (let offset = text.indexOf('&'); offset !== -1; offset = text.indexOf('&', offset + 1)) {
    if (++separators >= MAX_FORM_PARAMETERS) throw new DomainError('invalid', FORM_MESSAGES.tooMany);
  }
  const parameters = Object.create(null) as Record<string, string | string[]>;
  const add = (name: string, value: string): void => {
    if (name.includes('\0') || value.includes('\0')) {
      throw new DomainError('invalid', `${name.includes('\0') ? 'a parameter name' : name} ${FORM_MESSAGES.nul}`);
    }
    const existing = parameters[name];
    if (existing === undefined) parameters[name] = value;
    else if (typeof existing === 'string') parameters[name] = [existing, value];
    else existing.push(value);
  };
  // Pair by pair, as URLSearchParams splits them. A pair with neither `%` nor `+` decodes to
  // itself (the body is a well-formed string: its bytes were decoded as UTF-8), so it is sliced
  // as it is; only the others are decoded, by URLSearchParams. OAuth bodies are mostly tokens and
  // ids (base64url, UUIDs): this spares their decoding, ~4 µs for an access token. (As
  // URLSearchParams does, a leading `?` is dropped; the `&` put before a pair handed to it keeps
  // it from dropping one of the pair's own.)
  for (let start = text.startsWith('?') ? 1 : 0; start < text.length;) {
    let end = text.indexOf('&', start);
    if (end === -1) end = text.length;
    if (end > start) {
      const pair = text.slice(start, end);
      if (pair.includes('%') || pair.includes('+')) {
        for (const [name, value] of new URLSearchParams(`&${pair}`)) add(name, value);
      } else {
        const equals = pair.indexOf('=');
        if (equals === -1) add(pair, '');
        else add(pair.slice(0, equals), pair.slice(equals + 1));
      }
    }
    start = end + 1;
  }
  return parameters;
}

/**
 * `application/x-www-form-urlencoded` bodies, for the OAuth routes only (RFC 6749 section 3.2);
 * every other route answers a form as it answers any body that is not JSON (415). Bodies are
 * bounded by the server's body limit (413) before they get here.
 */
export function acceptFormBodiesOnOAuthRoutes(fastify: FastifyInstance): void {
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, raw, done) => {
    if (!isOAuthRoute(request)) {
      done(new DomainError('unsupported_media_type', JSON_BODIES_ONLY));
      return;
    }
    try {
      done(null, parseForm(raw as string));
    } catch (error) {
      done(error as Error);
    }
  });
}
