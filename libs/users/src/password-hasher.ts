import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
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

/** The cost a bcrypt hash was made at (`$2b$12$…` → 12), or null for something else. */
export function bcryptCostOf(hash: string): number | null {
  const match = /^\$2[abxy]\$(\d{2})\$/.exec(hash);
  return match === null ? null : Number(match[1]);
}

/**
 * bcrypt at the configured cost, on low-priority worker threads (BcryptPool), so hashing never
 * blocks the event loop nor takes the CPU from requests that need none. Every `signal` is the
 * request's: work still waiting for a thread when it aborts is dropped.
 */
@Injectable()
export class PasswordHasher {
  /** A real hash at BCRYPT_COST, made once, compared against when there is no account. */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly accounts: AccountsConfig,
    private readonly bcrypt: BcryptPool,
  ) {}

  hash(password: string, signal?: AbortSignal): Promise<string> {
    if (!isPasswordLengthValid(password)) throw new PasswordLengthInvalid();
    return this.bcrypt.hash(password, this.accounts.bcryptCost, signal);
  }

  /**
   * Whether `password` matches `hash`. Without a hash (an unknown email) it is compared with a
   * dummy hash at BCRYPT_COST and never matches: the answer takes as long either way. A password
   * over 72 bytes never matches (bcrypt would silently compare only its first 72 bytes).
   */
  async verify(password: string, hash: string | null, signal?: AbortSignal): Promise<boolean> {
    const matches = await this.bcrypt.compare(password, hash ?? (await this.dummy()), signal);
    return matches && hash !== null && isPasswordLengthValid(password);
  }

  /** True when `hash` was made at another cost than BCRYPT_COST: the next login replaces it. */
  needsRehash(hash: string): boolean {
    return bcryptCostOf(hash) !== this.accounts.bcryptCost;
  }

  /** Makes the dummy hash now (at start-up), so that the first unknown email takes no longer than the next. */
  async prepare(): Promise<void> {
    await this.dummy();
  }

  private dummy(): Promise<string> {
    this.dummyHash ??= this.bcrypt.hash(randomBytes(18).toString('base64'), this.accounts.bcryptCost).catch((error: unknown) => {
      this.dummyHash = undefined;
      throw error;
    });
    return this.dummyHash;
  }
}
