import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  AccessTokenVerifier,
  AuthHttpModule,
  AuthService,
  CredentialsRefused,
  hashRefreshToken,
  RevokedSessions,
  SessionsRepository,
  SessionsService,
} from '@app/auth';
import { UsersService } from '@app/users';
import { expectRefusal } from '../support/refusals.js';
import { useTestServices } from '../support/services.js';

// Sessions and refresh rotation through AuthService and SessionsService, on the real
// PostgreSQL, without HTTP.
const services = useTestServices({ REFRESH_GRACE_SECONDS: '2' }, [AuthHttpModule]);
const auth = () => services.get(AuthService);
const client = { ip: '127.0.0.1', userAgent: 'medium-test' };
const PASSWORD = 'correct horse battery';

async function signedIn() {
  const email = `session-${randomUUID()}@example.com`;
  const user = await services.get(UsersService).create({ email, password: PASSWORD });
  const pair = await auth().login({ email, password: PASSWORD }, client);
  return { user, pair };
}

const sessionOf = async (accessToken: string) => {
  const claims = await services.get(AccessTokenVerifier).verify(accessToken);
  if (typeof claims === 'string') throw new Error(`access token refused: ${claims}`);
  return claims.sid;
};

describe('refresh rotation', () => {
  it('rotates the refresh token and keeps the session', async () => {
    const { pair } = await signedIn();
    const next = await auth().refresh({ refresh_token: pair.refresh_token }, client);
    expect(next.refresh_token).not.toBe(pair.refresh_token);
    expect(await sessionOf(next.access_token)).toBe(await sessionOf(pair.access_token));
  });

  it('lets exactly one of two concurrent refreshes of the same token rotate it; the other gets the same successor', async () => {
    const { pair } = await signedIn();
    const [first, second] = await Promise.all([
      auth().refresh({ refresh_token: pair.refresh_token }, client),
      auth().refresh({ refresh_token: pair.refresh_token }, client),
    ]);
    expect(second.refresh_token).toBe(first.refresh_token);
    const session = await services.get(SessionsRepository).findById(await sessionOf(pair.access_token));
    expect(session!.previousRefreshTokenHash).toEqual(hashRefreshToken(pair.refresh_token));
    expect(session!.refreshTokenHash).toEqual(hashRefreshToken(first.refresh_token));
  });

  it('answers a retry "already used", keeping the session, when the successor cannot be unsealed (another secret)', async () => {
    const { pair } = await signedIn();
    const next = await auth().refresh({ refresh_token: pair.refresh_token }, client);
    const sessionId = await sessionOf(pair.access_token);
    await services.get(DataSource).query('UPDATE sessions SET sealed_refresh_token = $2 WHERE id = $1', [sessionId, randomBytes(64)]);
    const refusal = await expectRefusal(
      auth().refresh({ refresh_token: pair.refresh_token }, client),
      CredentialsRefused,
      'unauthenticated',
    );
    expect(refusal.message).toBe('Refresh token already used');
    expect(services.get(RevokedSessions).isRevoked(sessionId)).toBe(false);
    expect((await auth().refresh({ refresh_token: next.refresh_token }, client)).refresh_token).toBeDefined();
  });

  it('revokes the whole session when a rotated token comes back after the grace window', async () => {
    const { pair } = await signedIn();
    const next = await auth().refresh({ refresh_token: pair.refresh_token }, client);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const refusal = await expectRefusal(
      auth().refresh({ refresh_token: pair.refresh_token }, client),
      CredentialsRefused,
      'unauthenticated',
    );
    expect(refusal.message).toBe('Refresh token reuse detected; the session has been revoked');
    expect(services.get(RevokedSessions).isRevoked(await sessionOf(pair.access_token))).toBe(true);
    const afterTheft = await expectRefusal(
      auth().refresh({ refresh_token: next.refresh_token }, client),
      CredentialsRefused,
      'unauthenticated',
    );
    expect(afterTheft.message).toBe('Session revoked');
  });

  it('refuses a refresh token that is not one', async () => {
    const { pair } = await signedIn();
    const refusal = await expectRefusal(
      auth().refresh({ refresh_token: pair.access_token }, client),
      CredentialsRefused,
      'unauthenticated',
    );
    expect(refusal.message).toBe('Invalid refresh token');
  });
});

describe('disabling a user', () => {
  it('revokes every session of the user in the same transaction, and refuses its refresh tokens', async () => {
    const { user, pair } = await signedIn();
    const second = await auth().login({ email: user.email, password: PASSWORD }, client);
    expect(await services.get(SessionsService).disableUser(user.id)).toBe(true);
    const revoked = services.get(RevokedSessions);
    expect(revoked.isRevoked(await sessionOf(pair.access_token))).toBe(true);
    expect(revoked.isRevoked(await sessionOf(second.access_token))).toBe(true);
    expect((await services.get(UsersService).findById(user.id))?.disabled).toBe(true);
    await expectRefusal(auth().refresh({ refresh_token: second.refresh_token }, client), CredentialsRefused, 'unauthenticated');
    await expectRefusal(auth().login({ email: user.email, password: PASSWORD }, client), CredentialsRefused, 'unauthenticated');
  });

  it('answers false for a user that does not exist', async () => {
    expect(await services.get(SessionsService).disableUser(randomUUID())).toBe(false);
  });
});
