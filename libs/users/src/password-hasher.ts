import { Injectable } from '@nestjs/common';
import { DomainError } from '@app/errors';
import { AccountsConfig } from '@app/config';
import { BcryptPool } from './bcrypt-pool.js';

export const MIN_PASSWORD_BYTES = 8;
/** bcrypt ignores everything after 72 bytes; longer passwords are refused, never truncated. */
export const MAX_PASSWORD_BYTES = 72;

export const PASSWORD_LENGTH_MESSAGE =
  `password must be ${MIN_PASSWORD_BYTES} to ${MAX_PASSWORD_BYTES} bytes long ` +
  `(${MAX_PASSWORD_BYTES} bytes is bcrypt's limit; non-ASCII characters take several bytes)`;

export class PasswordLengthInvalid extends DomainError {
  constructor() {
    super('invalid', PASSWORD_LENGTH_MESSAGE);
  }
}

export function isPasswordLengthValid(password: string): boolean {
  const bytes = Buffer.byteLength(password, 'utf8');
  return bytes >= MIN_PASSWORD_BYTES && bytes <= MAX_PASSWORD_BYTES;
}

/**
 * bcrypt at the configured cost, on low-priority worker threads (BcryptPool), so hashing never
 * blocks the event loop nor takes the CPU from requests that need none.
 */
@Injectable()
export class PasswordHasher {
  constructor(
    private readonly accounts: AccountsConfig,
    private readonly bcrypt: BcryptPool,
  ) {}

  hash(password: string): Promise<string> {
    if (!isPasswordLengthValid(password)) throw new PasswordLengthInvalid();
    return this.bcrypt.hash(password, this.accounts.bcryptCost);
  }

  verify(password: string, hash: string): Promise<boolean> {
    return this.bcrypt.compare(password, hash);
  }
}
