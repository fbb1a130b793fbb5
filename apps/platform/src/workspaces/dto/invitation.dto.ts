import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { type Role, ROLES } from '@app/workspaces';

export class CreateInvitationDto {
  @ApiProperty({
    example: 'ada@example.com',
    description: 'Trimmed and lower-cased, as registration stores emails; need not be registered yet',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  // Checked last to first: a missing or malformed email is told so before its length is.
  @MaxLength(320)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email: string;

  @ApiPropertyOptional({ enum: ROLES, default: 'member', description: 'Only an owner invites as admin or owner' })
  @IsOptional()
  @IsIn(ROLES, { message: 'role must be one of owner, admin, member' })
  role?: Role;
}

/** Accepting or declining: the invitation's secret, from the 201 its inviter was given. */
export class AnswerInvitationDto {
  @ApiProperty({ description: "The invitation's secret (the `token` of the 201 that created it), passed on by the inviter" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  token: string;
}
