import { randomUUID } from 'node:crypto';
import { PasswordHasher, UsersRepository, UsersService } from '@app/users';
import { BcryptPool } from '../../libs/users/src/bcrypt-pool.js';
import { useTestServices } from '../support/services.js';

describe('BCRYPT_WORKERS', () => {
  // More threads than these machines have cores: the setting, not the core count, decides.
  const services = useTestServices({ BCRYPT_WORKERS: '3' });

  it('is the number of threads that hash passwords', async () => {
    expect(services.get(BcryptPool).threads).toBe(3);
    const hasher = services.get(PasswordHasher);
    const hashes = await Promise.all([1, 2, 3].map((n) => hasher.hash(`password number ${n}`)));
    expect(await Promise.all(hashes.map((hash, i) => hasher.verify(`password number ${i + 1}`, hash)))).toEqual([true, true, true]);
  });
});

describe('UsersService.enable', () => {
  const services = useTestServices();
  const users = () => services.get(UsersService);

  it('clears the disabled flag, and says whether the user exists', async () => {
    const created = await users().create({ email: `enabled-${randomUUID()}@example.com`, password: 'correct horse battery' });
    await services.get(UsersRepository).setDisabled(created.id, true);
    expect((await users().findById(created.id))?.disabled).toBe(true);

    expect(await users().enable(created.id)).toBe(true);
    expect((await users().findById(created.id))?.disabled).toBe(false);
    expect(await users().enable(randomUUID())).toBe(false);
  });
});
