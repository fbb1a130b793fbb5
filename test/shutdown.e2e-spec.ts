import { availableParallelism } from 'node:os';
import { PASSWORD, registerUser, request } from './support/auth-client.js';
import { startGatehouseServer } from './support/gatehouse-process.js';
import { testDatabaseUrl } from './support/platform.js';

describe('shutdown with logins in flight', () => {
  it('lets every login in flight finish, then stops the bcrypt workers and exits 0', async () => {
    const server = await startGatehouseServer({
      PLATFORM_ENV: 'dev',
      DATABASE_URL: testDatabaseUrl(),
      BCRYPT_COST: '10',
      AUTH_RATE_LIMIT: '100000',
    });
    try {
      const { email } = await registerUser(server.baseUrl);
      // More logins than bcrypt workers (one per core), so some wait in the hashing queue.
      const logins = Array.from({ length: 3 * availableParallelism() }, () =>
        request(server.baseUrl, 'POST', '/auth/login', { body: { email, password: PASSWORD } }).then(
          (response) => response.status,
          (error: Error) => error.message,
        ),
      );
      // Once one is answered, the others have arrived: hashing, or queued behind it.
      await Promise.race(logins);
      server.child.kill('SIGTERM');
      expect(await Promise.all(logins)).toEqual(logins.map(() => 200));
      expect(await server.exited).toBe(0);
      expect(server.output()).not.toContain('Shutdown took longer');
    } finally {
      server.child.kill('SIGKILL');
    }
  });
});
