import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { PasswordHasher } from './password-hasher.js';
import { type PublicUser, toPublicUser, type User } from './user.entity.js';
import { DuplicateEmailError, UsersRepository } from './users.repository.js';

export interface NewUser {
  email: string;
  password: string;
  name?: string | null;
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Creates a user; 400 on an invalid email or password, 409 when the email is taken. */
  async create(input: NewUser): Promise<User> {
    const email = normaliseEmail(input.email);
    if (!isEmail(email)) throw new BadRequestException('email must be a valid email address');
    const name = input.name?.trim() || null;
    const passwordHash = await this.passwords.hash(input.password);
    try {
      return await this.users.insert({ email, passwordHash, name });
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new ConflictException('Email already registered');
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findById(id);
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findByEmail(normaliseEmail(email));
  }

  /** The id of the user with this email (any case), or null: for other domains that refer to a user by email. */
  findIdByEmail(email: string): Promise<string | null> {
    return this.users.findIdByEmail(normaliseEmail(email));
  }

  /** The public profiles of the users among `ids` that exist (no password hash), in no particular order. */
  async findPublicUsers(ids: readonly string[]): Promise<PublicUser[]> {
    return (await this.users.findByIds(ids)).map(toPublicUser);
  }
}
