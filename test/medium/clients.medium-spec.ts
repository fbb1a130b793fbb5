import { randomUUID } from 'node:crypto';
import { AuthCoreModule, ClientDisabled, ClientNotFound, ClientsRepository, ClientsService, RevokedSessions } from '@app/auth';
import { DomainError } from '@app/errors';
import { expectRefusal } from '../support/refusals.js';
import { useTestServices } from '../support/services.js';

// Service clients through ClientsService and ClientsRepository, on the real PostgreSQL.
const services = useTestServices({}, [AuthCoreModule]);
const clients = () => services.get(ClientsService);

describe('registering a client', () => {
  it('keeps only a hash of the secret, and authenticates the id with its secret only', async () => {
    const created = await clients().create({ name: ' notes-mcp ', audiences: ['mcp', 'mcp'], resources: ['https://mcp.example/mcp'] });
    expect(created).toMatchObject({ name: 'notes-mcp', audiences: ['mcp'], resources: ['https://mcp.example/mcp'], disabled: false });
    expect(created.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await services.get(ClientsRepository).findById(created.client_id);
    expect(row!.secretHash.length).toBe(32);
    expect(JSON.stringify(row)).not.toContain(created.client_secret);
    expect((await clients().authenticate(created.client_id, created.client_secret))?.id).toBe(created.client_id);
    expect(await clients().authenticate(created.client_id, `${created.client_secret}x`)).toBeNull();
    expect(await clients().authenticate(randomUUID(), created.client_secret)).toBeNull();
    expect(await clients().authenticate('not-a-uuid', created.client_secret)).toBeNull();
    expect((await clients().list()).map((client) => client.client_id)).toContain(created.client_id);
  });

  it.each([
    [{ name: '', audiences: ['mcp'] }, 'name must be 1 to 200 characters, without control characters'],
    [{ name: 'a\u0007b', audiences: ['mcp'] }, 'name must be 1 to 200 characters, without control characters'],
    [{ name: 'x', audiences: [] }, 'audiences must be a non-empty list of web, api, a2a, mcp'],
    [{ name: 'x', audiences: ['files'] }, 'audiences must be a non-empty list of web, api, a2a, mcp'],
    [
      { name: 'x', audiences: ['mcp'], resources: ['mcp.example/mcp'] },
      'resource "mcp.example/mcp" is not an absolute URI without a fragment (RFC 8707)',
    ],
    [
      { name: 'x', audiences: ['mcp'], resources: ['https://mcp.example/mcp#part'] },
      'resource "https://mcp.example/mcp#part" is not an absolute URI without a fragment (RFC 8707)',
    ],
  ])('refuses %j', async (input, message) => {
    const refusal = await expectRefusal(clients().create(input), DomainError, 'invalid');
    expect(refusal.message).toBe(message);
  });
});

describe('disabling and rotating', () => {
  it('disables a client once: its credentials fail and its session is revoked here and recorded for the other instances', async () => {
    const created = await clients().create({ name: 'agent', audiences: ['a2a'] });
    const before = (await services.get(ClientsRepository).findById(created.client_id))!.sessionId;
    expect(await clients().authenticate(created.client_id, created.client_secret)).not.toBeNull();
    expect((await clients().disable(created.client_id)).disabled).toBe(true);
    expect(services.get(RevokedSessions).isRevoked(before)).toBe(true);
    expect(await clients().authenticate(created.client_id, created.client_secret)).toBeNull();
    const revoked = await services.get(ClientsRepository).revokedSince(new Date(Date.now() - 60_000));
    expect(revoked.map((row) => row.id)).toContain(before);
    await expectRefusal(clients().disable(created.client_id), ClientDisabled, 'conflict');
    await expectRefusal(clients().disable(randomUUID()), ClientNotFound, 'not_found');
    await expectRefusal(clients().rotateSecret(created.client_id), ClientDisabled, 'conflict');
    await expectRefusal(clients().disable('nope'), DomainError, 'invalid');
  });

  it('rotates the secret: the old one fails, the new one works, and the old session is revoked', async () => {
    const created = await clients().create({ name: 'rotating', audiences: ['api'] });
    const before = (await services.get(ClientsRepository).findById(created.client_id))!.sessionId;
    const rotated = await clients().rotateSecret(created.client_id);
    expect(await clients().authenticate(created.client_id, created.client_secret)).toBeNull();
    const client = await clients().authenticate(created.client_id, rotated.client_secret);
    expect(client!.sessionId).not.toBe(before);
    expect(services.get(RevokedSessions).isRevoked(before)).toBe(true);
  });

  it("revokes a client's tokens of its current session only, and the client stays usable", async () => {
    const created = await clients().create({ name: 'revoking', audiences: ['api'] });
    const before = (await services.get(ClientsRepository).findById(created.client_id))!.sessionId;
    await clients().revokeTokens(created.client_id, randomUUID());
    expect(services.get(RevokedSessions).isRevoked(before)).toBe(false);
    await clients().revokeTokens(created.client_id, before);
    expect(services.get(RevokedSessions).isRevoked(before)).toBe(true);
    expect(await clients().authenticate(created.client_id, created.client_secret)).not.toBeNull();
  });
});
