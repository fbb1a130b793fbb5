import type { components } from './gatehouse-api.js';

/**
 * The wire shapes of Gatehouse's OAuth endpoints (SPEC section 6), from the types generated from
 * its OpenAPI document (`gatehouse-api.ts`), with the RFCs' constant names.
 */

/** RFC 8693 section 3. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:access_token';

/** `POST /oauth/token`'s answer (RFC 6749 section 5.1; client credentials: no refresh token). */
export type OAuthTokenResponse = components['schemas']['TokenResponseBody'];

/** A token exchange's answer (RFC 8693 section 2.2.1): it always names the issued token's type. */
export type TokenExchangeResponse = OAuthTokenResponse & Required<Pick<OAuthTokenResponse, 'issued_token_type'>>;

/** The OAuth endpoints' error body (RFC 6749 section 5.2). */
export type OAuthErrorResponse = components['schemas']['OAuthErrorResponse'];

/** The form `POST /oauth/token` takes. */
export type OAuthTokenRequest = components['schemas']['TokenRequest'];
