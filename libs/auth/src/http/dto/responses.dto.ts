import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { AUDIENCES } from '@app/config';
import { PageResponse } from '@app/http-api';

/** Re-exported: the auth routes document their errors with it. */
export { ErrorResponse } from '@app/errors';

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'ada@example.com' }) email: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class UserEnvelope {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

export class TokenPairResponse {
  @ApiProperty({ description: 'JWT, typ at+jwt' }) access_token: string;
  @ApiProperty({ description: 'JWT, typ rt+jwt; present it once to POST /auth/refresh' }) refresh_token: string;
  @ApiProperty({ enum: ['Bearer'] }) token_type: 'Bearer';
  @ApiProperty({ description: 'Access-token lifetime, seconds' }) expires_in: number;
  @ApiProperty({ description: 'Refresh-token lifetime, seconds' }) refresh_expires_in: number;
  @ApiProperty({ enum: AUDIENCES, isArray: true }) audience: string[];
  @ApiProperty({ type: UserResponse }) user: UserResponse;
}

/** The subject of a token: a user id, or `client:<client_id>` for a client's own token. */
export const SUBJECT_PATTERN = '^([0-9a-f-]{36}|client:[0-9a-f-]{36})$';

export class ActorResponse {
  @ApiProperty({
    pattern: '^client:[0-9a-f-]{36}$',
    example: 'client:3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b',
    description: 'The actor: client:<client_id>',
  })
  sub: string;
  @ApiPropertyOptional({ type: () => ActorResponse, description: 'The actor before it, when the token was delegated again' })
  act?: ActorResponse;
}

export class ClaimsResponse {
  @ApiProperty() iss: string;
  @ApiProperty({
    type: String,
    isArray: true,
    example: ['mcp', 'https://mcp.example/mcp'],
    description: 'Surfaces (web, api, a2a, mcp), then the resource servers the token is narrowed to (RFC 8707 URIs)',
  })
  aud: string[];
  @ApiProperty({ pattern: SUBJECT_PATTERN, description: "User id, or client:<client_id> for a client's own token" }) sub: string;
  @ApiProperty({ format: 'uuid', description: 'Session id (a client token carries its client session)' }) sid: string;
  @ApiProperty({ format: 'uuid' }) jti: string;
  @ApiProperty({ description: 'Issued at, seconds since the epoch' }) iat: number;
  @ApiProperty({ description: 'Expires at, seconds since the epoch' }) exp: number;
  @ApiPropertyOptional({ description: 'Space-separated scopes the token is narrowed to' }) scope?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The client the token was issued to' }) client_id?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'The workspace the token is narrowed to' }) workspace_id?: string;
  @ApiPropertyOptional({ enum: ['owner', 'admin', 'member'], description: "The subject's role there, read when the token was issued" })
  workspace_role?: string;
  @ApiPropertyOptional({ type: ActorResponse, description: 'Who acts with the token for the subject (RFC 8693)' }) act?: ActorResponse;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) last_used_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) user_agent: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ enum: AUDIENCES, isArray: true }) audiences: string[];
  @ApiProperty({ description: 'Whether this is the session of the token making the request' }) current: boolean;
}

export class SessionListResponse extends PageResponse {
  @ApiProperty({ type: SessionResponse, isArray: true }) items: SessionResponse[];
}
