import { randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Audience } from '@app/config';
import { tokenStack } from '../testing/token-stack.js';
import { RevokedSessions } from '../revocation/revoked-sessions.js';
import { audienceChallenge } from './bearer-challenges.js';
import type { AnyPrincipal } from './principal.js';
import { type AccessDecision, RequestAuthenticator } from './request-authenticator.js';
import type { RouteAccess } from './route-access-table.js';

const stack = tokenStack({ PLATFORM_JWT_SECRET: 'unit-test-secret-of-sufficient-length-0123', JWT_ISSUER: 'unit' });
const revoked = new RevokedSessions(stack.security);
const authenticator = new RequestAuthenticator(stack.verifier, revoked, stack.metrics);

function route(...audiences: Audience[]): RouteAccess & { public: false } {
  return {
    public: false,
    audiences: new Set(audiences),
    declared: audiences,
    clients: false,
    audienceRefusal: audienceChallenge(audiences),
  };
}

/** The decision on a request carrying `token`, settled, with the principal the request was given. */
async function decide(
  token: string,
  access: RouteAccess,
  authorization = `Bearer ${token}`,
  rawHeaders = ['Authorization', authorization],
): Promise<{ decision: AccessDecision; principal: AnyPrincipal | undefined }> {
  const request = { headers: { authorization }, raw: { rawHeaders } } as unknown as FastifyRequest;
  const decision = await authenticator.decide(request, access);
  return { decision, principal: (request as FastifyRequest & { principal?: AnyPrincipal }).principal };
}

const apiRoute = route('api');
const webRoute = route('web');
const a2aRoute = route('a2a');

describe('RequestAuthenticator', () => {
  it('gives a token seen before the same principal on a route, and each route the audiences it accepts', async () => {
    const { token } = stack.tokens.issueAccessToken({ userId: randomUUID(), sessionId: randomUUID(), audiences: ['web', 'api'] });
    const first = await decide(token, apiRoute);
    const again = await decide(token, apiRoute);
    expect(first.principal?.audiences).toEqual(['api']);
    expect(again.principal).toEqual(first.principal);
    // The second request is a cache hit: its principal is the one remembered for the route, and frozen.
    expect(await decide(token, apiRoute)).toEqual(again);
    expect((await decide(token, apiRoute)).principal).toBe(again.principal);
    expect(Object.isFrozen(again.principal)).toBe(true);
    expect((await decide(token, webRoute)).principal?.audiences).toEqual(['web']);
    expect((await decide(token, apiRoute)).principal?.audiences).toEqual(['api']);
  });

  it('refuses a token without the route’s audience on its first and on every later request', async () => {
    const { token } = stack.tokens.issueAccessToken({ userId: randomUUID(), sessionId: randomUUID(), audiences: ['web'] });
    expect((await decide(token, webRoute)).decision.allowed).toBe(true);
    for (let i = 0; i < 2; i++) {
      const { decision, principal } = await decide(token, a2aRoute);
      expect(decision).toEqual({ allowed: false, refusal: 'audience' });
      expect(principal).toBeUndefined();
    }
  });

  it('refuses a token whose session is revoked, even though its decision on the route was remembered', async () => {
    const sessionId = randomUUID();
    const { token } = stack.tokens.issueAccessToken({ userId: randomUUID(), sessionId, audiences: ['api'] });
    expect((await decide(token, apiRoute)).decision.allowed).toBe(true);
    expect((await decide(token, apiRoute)).decision.allowed).toBe(true);
    revoked.markRevoked([sessionId]);
    expect((await decide(token, apiRoute)).decision).toEqual({ allowed: false, refusal: 'revoked' });
  });

  it('checks the header around a token verified before as around any other', async () => {
    const { token } = stack.tokens.issueAccessToken({ userId: randomUUID(), sessionId: randomUUID(), audiences: ['api'] });
    expect((await decide(token, apiRoute)).decision.allowed).toBe(true);
    for (const header of [`Bearer ${token}.`, `Bearer ${token} x`, `Token ${token}`]) {
      expect((await decide(token, apiRoute, header)).decision).toEqual({ allowed: false, refusal: 'format' });
    }
    for (const header of [`bearer ${token}`, `Bearer  ${token}`])
      expect((await decide(token, apiRoute, header)).decision.allowed).toBe(true);
    const header = `Bearer ${token}`;
    expect((await decide(token, apiRoute, header, ['Authorization', header, 'authorization', header])).decision).toEqual({
      allowed: false,
      refusal: 'duplicate',
    });
  });
});
