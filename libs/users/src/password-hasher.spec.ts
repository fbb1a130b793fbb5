import { jest } from '@jest/globals';
import { BcryptPool } from './bcrypt-pool.js';
import { bcryptCostOf, PasswordHasher } from './password-hasher.js';

describe('PasswordHasher', () => {
  const pool = new BcryptPool({ threads: 1 });
  const hasher = new PasswordHasher({ bcryptCost: 5, allowRegistration: true }, pool);
  afterAll(() => pool.onApplicationShutdown());

  it('compares an unknown email against a dummy hash made at BCRYPT_COST, and never matches', async () => {
    const compare = jest.spyOn(pool, 'compare');
    expect(await hasher.verify('a password', null)).toBe(false);
    expect(bcryptCostOf(compare.mock.calls[0][1])).toBe(5);
    compare.mockRestore();
  });

  it('asks for a rehash of a hash made at another cost only', async () => {
    expect(hasher.needsRehash(await pool.hash('a password', 4))).toBe(true);
    expect(hasher.needsRehash(await hasher.hash('a password'))).toBe(false);
  });

  it('never matches a password over 72 bytes, whose first 72 bytes bcrypt would compare alone', async () => {
    const password = 'p'.repeat(72);
    const hash = await hasher.hash(password);
    expect(await hasher.verify(password, hash)).toBe(true);
    expect(await hasher.verify(`${password}x`, hash)).toBe(false);
  });
});
