import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { type DataSource, type EntityManager, In, type Repository } from 'typeorm';
import { PreparedStatement } from '@app/database';
import { User } from './user.entity.js';

const UNIQUE_VIOLATION = '23505';

/** Raised when an email is taken (case-insensitively). */
export class DuplicateEmailError extends Error {}

interface UserRow {
  id: string;
  email: string;
  name: string | null;
  disabled: boolean;
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

/** A user by id: on the path of every refresh and of `GET /auth/me`. */
const FIND_BY_ID = new PreparedStatement<UserRow>(
  'gatehouse_find_user',
  'SELECT id, email, name, disabled, password_hash, created_at, updated_at FROM users WHERE id = $1',
);

/** The only place that touches the `users` table. */
@Injectable()
export class UsersRepository {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async findById(id: string): Promise<User | null> {
    const [row] = await FIND_BY_ID.run(this.dataSource, [id]);
    if (row === undefined) return null;
    return Object.assign(new User(), {
      id: row.id,
      email: row.email,
      name: row.name,
      disabled: row.disabled,
      passwordHash: row.password_hash,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }

  /** `email` must already be normalised (`normaliseEmail`). */
  findByEmail(email: string): Promise<User | null> {
    return this.users.createQueryBuilder('user').where('lower(user.email) = :email', { email }).getOne();
  }

  /** The id of the user with this email (`email` already normalised), or null; loads nothing else. */
  async findIdByEmail(email: string): Promise<string | null> {
    const user = await this.users.createQueryBuilder('user').select('user.id').where('lower(user.email) = :email', { email }).getOne();
    return user?.id ?? null;
  }

  /** The users among `ids` that exist, in no particular order. */
  async findByIds(ids: readonly string[]): Promise<User[]> {
    return ids.length === 0 ? [] : this.users.findBy({ id: In([...ids]) });
  }

  /** The ids among `ids` of users that exist and are not disabled. `manager`: inside the caller's transaction. */
  async findActiveIds(ids: readonly string[], manager?: EntityManager): Promise<string[]> {
    if (ids.length === 0) return [];
    const users = manager?.getRepository(User) ?? this.users;
    const active = await users.find({ select: { id: true }, where: { id: In([...ids]), disabled: false } });
    return active.map((user) => user.id);
  }

  async insert(fields: Pick<User, 'email' | 'passwordHash' | 'name'>): Promise<User> {
    try {
      return await this.users.save(this.users.create(fields));
    } catch (error) {
      if ((error as { driverError?: { code?: string } }).driverError?.code === UNIQUE_VIOLATION) {
        throw new DuplicateEmailError(fields.email);
      }
      throw error;
    }
  }

  /**
   * Sets a new password hash, only if the stored one is still `previous` (a password changed in
   * the meantime wins).
   */
  async replacePasswordHash(id: string, previous: string, passwordHash: string): Promise<void> {
    await this.users.update({ id, passwordHash: previous }, { passwordHash });
  }

  /** Sets the flag; false when there is no such user. `manager`: inside the caller's transaction. */
  async setDisabled(id: string, disabled: boolean, manager?: EntityManager): Promise<boolean> {
    const users = manager?.getRepository(User) ?? this.users;
    const result = await users.update({ id }, { disabled });
    return (result.affected ?? 0) > 0;
  }
}
