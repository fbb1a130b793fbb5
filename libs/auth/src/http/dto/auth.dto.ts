import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { AUDIENCES } from '@app/config';

/** Emails are compared and stored trimmed (and lower-cased by the users service). */
const Trimmed = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export class RegisterDto {
  @ApiProperty({ example: 'ada@example.com', description: 'Trimmed and stored in lower case' })
  @Trimmed()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;

  @ApiProperty({ minLength: 8, description: "8 to 72 bytes (bcrypt's limit); longer passwords are refused, never truncated" })
  @IsString()
  password: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @IsString()
  @IsNotEmpty()
  email: string;

  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  password: string;

  @ApiPropertyOptional({
    description: 'Narrows the tokens to a subset of the audiences the deployment serves (default: all of them)',
    oneOf: [
      { type: 'string', enum: [...AUDIENCES] },
      { type: 'array', items: { type: 'string', enum: [...AUDIENCES] } },
    ],
  })
  @IsOptional()
  // `each`: a string, or an array whose every entry is a string (an array of arrays is refused).
  @IsString({ each: true, message: 'audience must be a string or an array of strings' })
  audience?: string | string[];
}

export class RefreshDto {
  @ApiProperty()
  @IsString()
  @IsNotEmpty()
  refresh_token: string;
}

export class LogoutQueryDto {
  @ApiPropertyOptional({ enum: ['local', 'global', 'others'], default: 'local' })
  @IsOptional()
  @IsIn(['local', 'global', 'others'], { message: 'scope must be one of local, global, others' })
  scope?: 'local' | 'global' | 'others';
}
