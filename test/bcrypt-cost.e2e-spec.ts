import type { RunningPlatform } from '@app/server';
import { login, PASSWORD, registerUser, request, uniqueEmail } from './support/auth-client.js';
import { startTestPlatform } from './support/platform.js';
import { expectError } from './support/responses.js';
import { withDatabaseClient } from './support/test-database.js';

async function storedHash(userId: string): Promise<string> {
  return withDatabaseClient(async (client) => {
    const { rows } = await client.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [userId]);
    return rows[0].password_hash;
  });
}

describe('a change of BCRYPT_COST', () => {
  let user: { id: string; email: string };
  beforeAll(async () => {
    const before = await startTestPlatform({ BCRYPT_COST: '4' });
    try {
      user = await registerUser(before.url);
    } finally {
      await before.close();
    }
  });

  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ BCRYPT_COST: '5' });
  });
  afterAll(() => platform.close());

  it('rehashes the password at the new cost on the next login, which keeps working', async () => {
    expect(await storedHash(user.id)).toMatch(/^\$2b\$04\$/);
    await login(platform.url, user.email);
    expect(await storedHash(user.id)).toMatch(/^\$2b\$05\$/);
    expect((await login(platform.url, user.email)).user.id).toBe(user.id);
  });

  it('leaves the hash alone on a wrong password', async () => {
    const other = await startTestPlatform({ BCRYPT_COST: '4' }).then(async (before) => {
      try {
        return await registerUser(before.url);
      } finally {
        await before.close();
      }
    });
    const hash = await storedHash(other.id);
    await expectError(
      await request(platform.url, 'POST', '/auth/login', { body: { email: other.email, password: `${PASSWORD}!` } }),
      401,
      'Invalid email or password',
    );
    expect(await storedHash(other.id)).toBe(hash);
  });
});

describe('an unknown email', () => {
  let platform: RunningPlatform;
  beforeAll(async () => {
    platform = await startTestPlatform({ BCRYPT_COST: '10', LOGIN_MAX_FAILURES: '1000' });
  });
  afterAll(() => platform.close());

  it('spends a real bcrypt comparison at BCRYPT_COST, so failures take similar time', async () => {
    const { email } = await registerUser(platform.url);
    const time = async (body: object) => {
      const started = performance.now();
      await request(platform.url, 'POST', '/auth/login', { body });
      return performance.now() - started;
    };
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 7; i++) {
      unknown.push(await time({ email: uniqueEmail('ghost'), password: PASSWORD }));
      wrong.push(await time({ email, password: 'not the password' }));
    }
    // bcrypt at cost 10 dominates both; without the dummy comparison an unknown email would
    // answer in a fraction of the time.
    const ratio = median(unknown) / median(wrong);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });
});
