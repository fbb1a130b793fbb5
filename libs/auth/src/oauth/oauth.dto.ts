import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIENCES } from '@app/config';
import { ClaimsResponse } from '../http/dto/responses.dto.js';
import { ACCESS_TOKEN_TYPE_URN } from './oauth-parameters.js';
import { GRANT_TYPES } from './token-endpoint.service.js';

// What the OAuth routes read and answer, for the OpenAPI document only: the routes read their
// parameters themselves (RFC 6749 section 3.2: unknown parameters are ignored, not refused).

const CLIENT_ID = { format: 'uuid', description: 'client_secret_post: the client id (or use HTTP Basic)' } as const;
const CLIENT_SECRET = { description: 'client_secret_post: the client secret (or use HTTP Basic)' } as const;

export class TokenRequest {
  @ApiProperty({ enum: GRANT_TYPES }) grant_type: string;
  @ApiPropertyOptional({ description: 'refresh_token: the refresh token to rotate' }) refresh_token?: string;
  @ApiPropertyOptional({ description: 'token exchange: the access token to narrow' }) subject_token?: string;
  @ApiPropertyOptional({ enum: [ACCESS_TOKEN_TYPE_URN] }) subject_token_type?: string;
  @ApiPropertyOptional({ description: "token exchange: a client's own access token, which becomes `act`" }) actor_token?: string;
  @ApiPropertyOptional({ enum: [ACCESS_TOKEN_TYPE_URN] }) actor_token_type?: string;
  @ApiPropertyOptional({ enum: [ACCESS_TOKEN_TYPE_URN] }) requested_token_type?: string;
  @ApiPropertyOptional({
    enum: AUDIENCES,
    isArray: true,
    description: 'Surfaces of the new token (repeat the parameter for several); required for token exchange',
  })
  audience?: string[];
  @ApiPropertyOptional({ type: String, isArray: true, description: 'Resource servers (absolute URIs, RFC 8707), repeatable' })
  resource?: string[];
  @ApiPropertyOptional({ description: 'token exchange: space-separated scopes' }) scope?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'token exchange: narrow the token to this workspace (the subject must be a member)' })
  workspace_id?: string;
  @ApiPropertyOptional(CLIENT_ID) client_id?: string;
  @ApiPropertyOptional(CLIENT_SECRET) client_secret?: string;
}

export class TokenResponseBody {
  @ApiProperty({ description: 'JWT, typ at+jwt' }) access_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty({ description: 'Lifetime, seconds' }) expires_in: number;
  @ApiPropertyOptional({ description: 'refresh_token: the successor; present it once' }) refresh_token?: string;
  @ApiPropertyOptional({ enum: [ACCESS_TOKEN_TYPE_URN], description: 'token exchange' }) issued_token_type?: string;
  @ApiPropertyOptional({ description: 'token exchange: the scopes of the new token' }) scope?: string;
}

export class TokenRequestWithToken {
  @ApiProperty({ description: 'The token' }) token: string;
  @ApiPropertyOptional({ enum: ['access_token', 'refresh_token'] }) token_type_hint?: string;
  @ApiPropertyOptional(CLIENT_ID) client_id?: string;
  @ApiPropertyOptional(CLIENT_SECRET) client_secret?: string;
}

export class IntrospectionResponseBody extends ClaimsResponse {
  @ApiProperty({ description: 'false, alone, for anything not valid now or not meant for the asking client' }) active: boolean;
  @ApiProperty({ enum: ['access_token'] }) token_type: string;
}
