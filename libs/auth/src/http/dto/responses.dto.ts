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

export class ClaimsResponse {
  @ApiProperty() iss: string;
  @ApiProperty({ enum: AUDIENCES, isArray: true }) aud: string[];
  @ApiProperty({ format: 'uuid', description: 'User id' }) sub: string;
  @ApiProperty({ format: 'uuid', description: 'Session id' }) sid: string;
  @ApiProperty({ format: 'uuid' }) jti: string;
  @ApiProperty({ description: 'Issued at, seconds since the epoch' }) iat: number;
  @ApiProperty({ description: 'Expires at, seconds since the epoch' }) exp: number;
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
