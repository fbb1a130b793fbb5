import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { isEmail } from 'class-validator';
import { EMAIL_CHARACTERS_MESSAGE, hasForbiddenEmailCharacters, normaliseEmail } from './email.js';
import type { EntityManager } from 'typeorm';
import { PasswordHasher } from './password-hasher.js';
import { type PublicUser, toPublicUser, type User } from './user.entity.js';
import { DuplicateEmailError, UsersRepository } from './users.repository.js';

export interface NewUser {
  email: string;
  password: string;
  name?: string | null;
}

export class EmailInvalid extends DomainError {
  constructor(message = 'email must be a valid email address') {
    super('invalid', message);
  }
}

/**
 * The email as Gatehouse stores and compares it (normalised), or a refusal when it is not a valid
 * address: the one rule for registration and for anything else addressed by email (invitations).
 */
export function validEmail(email: string): string {
  if (hasForbiddenEmailCharacters(email)) throw new EmailInvalid(EMAIL_CHARACTERS_MESSAGE);
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

  /**
   * Creates a user; refused for an invalid email or password, or an email already taken.
   * `signal`: the request's (see PasswordHasher).
   */
  async create(input: NewUser, signal?: AbortSignal): Promise<User> {
    const email = validEmail(input.email);
    const name = input.name?.trim() || null;
    const passwordHash = await this.passwords.hash(input.password, signal);
    try {
      return await this.users.insert({ email, passwordHash, name });
    } catch (error) {
      if (error instanceof DuplicateEmailError) throw new EmailAlreadyRegistered();
      throw error;
    }
  }

  /**
   * Replaces the user's password hash with one at BCRYPT_COST when it was made at another cost
   * (BCRYPT_COST changed since). `password` must be the one just verified against it.
   */
  async rehashIfNeeded(user: User, password: string): Promise<void> {
    if (!this.passwords.needsRehash(user.passwordHash)) return;
    const previous = user.passwordHash;
    const passwordHash = await this.passwords.hash(password);
    await this.users.replacePasswordHash(user.id, previous, passwordHash);
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
