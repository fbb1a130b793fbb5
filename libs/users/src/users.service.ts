import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { isEmail } from 'class-validator';
import type { EntityManager } from 'typeorm';
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

export class EmailInvalid extends DomainError {
  constructor() {
    super('invalid', 'email must be a valid email address');
  }
}

/**
 * The email as Gatehouse stores and compares it (normalised), or a refusal when it is not a valid
 * address: the one rule for registration and for anything else addressed by email (invitations).
 */
export function validEmail(email: string): string {
  const normalised = normaliseEmail(email);
  if (!isEmail(normalised)) throw new EmailInvalid();
  return normalised;
}

export class UserNotFound extends DomainError {
  constructor() {
    super('not_found', 'User not found');
  }
}

export class EmailAlreadyRegistered extends DomainError {
  constructor() {
    super('conflict', 'Email already registered');
  }
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly passwords: PasswordHasher,
  ) {}

  /** Creates a user; refused for an invalid email or password, or an email already taken. */
  async create(input: NewUser): Promise<User> {
    const email = validEmail(input.email);
    const name = input.name?.trim() || null;
    const passwordHash = await this.passwords.hash(input.password);
    try {
      return await this.users.insert({ email, passwordHash, name });
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new EmailAlreadyRegistered();
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

  /**
   * The ids among `ids` of users that exist and are not disabled: for other domains' rules about
   * who may hold a role. `manager`: read inside the caller's transaction, on its connection.
   */
  findActiveIds(ids: readonly string[], manager?: EntityManager): Promise<string[]> {
    return this.users.findActiveIds(ids, manager);
  }

  /** The public profiles of the users among `ids` that exist (no password hash), in no particular order. */
  async findPublicUsers(ids: readonly string[]): Promise<PublicUser[]> {
    return (await this.users.findByIds(ids)).map(toPublicUser);
  }
}
