import { OAuthError } from '@app/errors';

/** The parameters of an OAuth request: a form's (`parseForm`) or a JSON object's. */
export type OAuthParameters = Readonly<Record<string, unknown>>;

export const ACCESS_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:access_token';
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** The parameters of a request body; no body is no parameters. */
export function parametersOf(body: unknown): OAuthParameters {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'Request body must be a form or a JSON object');
  }
  return body as OAuthParameters;
}

/**
 * A parameter given at most once (RFC 6749 section 3.2), or undefined. Sent without a value, it
 * counts as left out (RFC 6749 section 3.1).
 */
export function single(parameters: OAuthParameters, name: string): string | undefined {
  const value = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
  if (value === undefined || value === '') return undefined;
  if (Array.isArray(value)) throw new OAuthError('invalid_request', `${name} must be given once`);
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be a string`);
  return value;
}

export function required(parameters: OAuthParameters, name: string): string {
  const value = single(parameters, name);
  if (value === undefined) throw new OAuthError('invalid_request', `${name} is required`);
  return value;
}

/** A parameter that may be repeated (`audience`, `resource`): its values, without empty ones and repeats. */
export function list(parameters: OAuthParameters, name: string, max: number): string[] {
  const value = Object.hasOwn(parameters, name) ? parameters[name] : undefined;
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (!values.every((entry) => typeof entry === 'string')) {
    throw new OAuthError('invalid_request', `${name} must be a string, or a list of strings`);
  }
  const distinct = [...new Set(values.filter((entry) => entry !== ''))];
  if (distinct.length > max) throw new OAuthError('invalid_request', `${name} is given more than ${max} times`);
  return distinct;
}
