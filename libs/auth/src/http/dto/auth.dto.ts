import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength, ValidateBy } from 'class-validator';
import { AUDIENCES } from '@app/config';
import { EMAIL_CHARACTERS_MESSAGE, hasForbiddenEmailCharacters, MAX_PASSWORD_BYTES } from '@app/users';

// class-validator runs a property's checks from the last decorator up and stops at the first
// that fails: the type check goes last, so a value of the wrong type is told so first.

/** The longest email accepted (RFC 5321's 64 + 1 + 255, rounded as everyone does). */
const MAX_EMAIL_LENGTH = 320;

/**
 * Emails are compared and stored trimmed (and lower-cased and NFC-normalised by the users
 * service). One with a forbidden character is left as it is for the validator to refuse:
 * trimming would quietly drop a zero-width no-break space at either end.
 */
const Trimmed = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' && !hasForbiddenEmailCharacters(value) ? value.trim() : value));

/** No control or zero-width character anywhere in the email. */
const VisibleCharacters = () =>
  ValidateBy({
    name: 'visibleCharacters',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !hasForbiddenEmailCharacters(value),
      defaultMessage: () => EMAIL_CHARACTERS_MESSAGE,
    },
  });

/** At most `MAX_PASSWORD_BYTES` bytes in UTF-8: anything longer can never match (bcrypt's limit). */
export const LOGIN_PASSWORD_LENGTH_MESSAGE =
  `password must be at most ${MAX_PASSWORD_BYTES} bytes long ` +
  `(${MAX_PASSWORD_BYTES} bytes is bcrypt's limit; non-ASCII characters take several bytes)`;
const WithinBcryptLimit = () =>
  ValidateBy({
    name: 'withinBcryptLimit',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= MAX_PASSWORD_BYTES,
      defaultMessage: () => LOGIN_PASSWORD_LENGTH_MESSAGE,
    },
  });

export class RegisterDto {
  @ApiProperty({
    example: 'ada@example.com',
    maxLength: MAX_EMAIL_LENGTH,
    description: 'Trimmed, stored in lower case and Unicode NFC; no control or zero-width characters',
  })
  @Trimmed()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @VisibleCharacters()
  @MaxLength(MAX_EMAIL_LENGTH)
  @IsString()
  email: string;

  @ApiProperty({ minLength: 8, description: "8 to 72 bytes (bcrypt's limit); longer passwords are refused, never truncated" })
  @IsString()
  password: string;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @MaxLength(200)
  @IsString()
  name?: string;
}

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com', maxLength: MAX_EMAIL_LENGTH })
  @MaxLength(MAX_EMAIL_LENGTH)
  @VisibleCharacters()
  @IsNotEmpty()
  @IsString()
  email: string;

  @ApiProperty({ description: `At most ${MAX_PASSWORD_BYTES} bytes (bcrypt's limit)` })
  @WithinBcryptLimit()
  @IsNotEmpty()
  @IsString()
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
  @IsNotEmpty()
  @IsString()
  refresh_token: string;
}

export class LogoutQueryDto {
  @ApiPropertyOptional({ enum: ['local', 'global', 'others'], default: 'local' })
  @IsOptional()
  @IsIn(['local', 'global', 'others'], { message: 'scope must be one of local, global, others' })
  scope?: 'local' | 'global' | 'others';
}
