/**
 * The wire shapes of Gatehouse's OAuth endpoints (SPEC section 6), written from their RFCs:
 * they are not in Gatehouse's OpenAPI document yet (issue 15 adds the endpoints). Once they
 * are, `gatehouse-api.ts` carries them and these give way to the generated ones.
 */

/** RFC 8693 section 3. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:access_token';

/** RFC 6749 section 5.1 (client credentials: no refresh token). */
export interface OAuthTokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope?: string;
}

/** RFC 8693 section 2.2.1. */
export interface TokenExchangeResponse extends OAuthTokenResponse {
  issued_token_type: string;
}

/** RFC 6749 section 5.2. */
export interface OAuthErrorResponse {
  error: string;
  error_description?: string;
}
