import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, ValidateIf } from 'class-validator';
import { type Role, ROLES } from '@app/workspaces';
import { IsWorkspaceSettings, SETTINGS_MAX_BYTES, SETTINGS_MAX_DEPTH } from './workspace-settings.validator.js';

// class-validator runs a property's checks from the last decorator up and stops at the first
// that fails: the type check goes last, so a value of the wrong type is told so first.

const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
export const SLUG_MESSAGE = 'slug must be 1 to 64 lower-case letters, digits and single hyphens, not starting or ending with a hyphen';
const trimmed = () => Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

export class CreateWorkspaceDto {
  @ApiProperty({ maxLength: 200, example: 'Acme Research' })
  @trimmed()
  @MaxLength(200)
  @IsNotEmpty({ message: 'name must not be empty' })
  @IsString()
  name: string;

  @ApiPropertyOptional({ maxLength: 64, example: 'acme-research', description: 'Made from the name when not given' })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE })
  @MaxLength(64, { message: SLUG_MESSAGE })
  @IsString()
  slug?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @MaxLength(2000)
  @IsString()
  description?: string;
}

export class UpdateWorkspaceDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @trimmed()
  @MaxLength(200)
  @IsNotEmpty({ message: 'name must not be empty' })
  @IsString()
  name?: string;

  @ApiPropertyOptional({ maxLength: 64 })
  @IsOptional()
  @Matches(SLUG, { message: SLUG_MESSAGE })
  @MaxLength(64, { message: SLUG_MESSAGE })
  @IsString()
  slug?: string;

  @ApiPropertyOptional({ maxLength: 2000, nullable: true })
  @IsOptional()
  @ValidateIf((_object, value) => value !== null)
  @MaxLength(2000)
  @IsString()
  description?: string | null;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `Free-form JSON settings, replaced whole: an object (not null) of at most ${SETTINGS_MAX_BYTES} bytes and ${SETTINGS_MAX_DEPTH} levels`,
  })
  @ValidateIf((_object, value) => value !== undefined)
  @IsWorkspaceSettings()
  settings?: Record<string, unknown>;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: ROLES })
  @IsIn(ROLES, { message: 'role must be one of owner, admin, member' })
  role: Role;
}
