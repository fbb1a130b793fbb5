import { BadRequestException } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { RequestValidationPipe } from './request-validation.pipe.js';

class Address {
  @MaxLength(10)
  @IsString()
  city: string;
}

class Signup {
  // Checked bottom-up: the length would speak first for an absent value.
  @IsEmail()
  @MaxLength(320)
  email: string;

  @IsOptional()
  @MaxLength(200)
  @IsString()
  name?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => Address)
  address?: Address;
}

const pipe = new RequestValidationPipe();

async function messagesFor(body: object): Promise<unknown> {
  try {
    await pipe.transform(body, { type: 'body', metatype: Signup });
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return ((error as BadRequestException).getResponse() as { message: unknown }).message;
  }
  throw new Error('the body was accepted');
}

describe('RequestValidationPipe', () => {
  it('says a required field left out is required, not what its first check found', async () => {
    await expect(messagesFor({})).resolves.toEqual(['email is required']);
  });

  it("hands a custom parameter (the request's principal) on as it is, without validating it or waiting for a promise", () => {
    const principal = { kind: 'user', userId: 'a' };
    expect(pipe.transform(principal, { type: 'custom', metatype: Signup })).toBe(principal);
  });

  it('leaves an optional field out without a word', async () => {
    await expect(pipe.transform({ email: 'ada@example.com' }, { type: 'body', metatype: Signup })).resolves.toBeInstanceOf(Signup);
  });

  it('gives one message per bad field: the first check that failed', async () => {
    await expect(messagesFor({ email: 'x'.repeat(400), name: 5 })).resolves.toEqual([
      'email must be shorter than or equal to 320 characters',
      'name must be a string',
    ]);
  });

  it('names a nested field by its path', async () => {
    await expect(messagesFor({ email: 'ada@example.com', address: {} })).resolves.toEqual(['address.city is required']);
    await expect(messagesFor({ email: 'ada@example.com', address: { city: 'x'.repeat(11) } })).resolves.toEqual([
      'address.city must be shorter than or equal to 10 characters',
    ]);
  });

  it('refuses an unknown field by name', async () => {
    await expect(messagesFor({ email: 'ada@example.com', admin: true })).resolves.toEqual(['property admin should not exist']);
  });
});
