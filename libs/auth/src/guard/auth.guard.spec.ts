import { jest } from '@jest/globals';
import { Controller, type ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import type { FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { loadGatehouseConfigOrThrow } from '@app/config';
import { MetricsRegistry } from '@app/metrics';
import { AuthMetrics } from '../auth-metrics.js';
import { RevocationRegistry } from '../revocation/revocation-registry.js';
import { TokenProvider } from '../tokens/token-provider.js';
import { BearerChallengeException } from './auth-errors.js';
import { AuthGuard } from './auth.guard.js';
import { Audiences } from './route-access.decorators.js';

@Controller()
class Routes {
  @Get('api') @Audiences('api') api() {}
  @Get('web') @Audiences('web') web() {}
}

const { security } = loadGatehouseConfigOrThrow({ PLATFORM_JWT_SECRET: 'unit-test-secret-of-sufficient-length-0123', JWT_ISSUER: 'unit' });
const metrics = new AuthMetrics(new MetricsRegistry());
const tokens = new TokenProvider(new JwtService({ secret: security.signingKey }), security, metrics);
const revocations = new RevocationRegistry({} as DataSource, security);
const guard = new AuthGuard(new Reflector(), tokens, revocations, metrics, security);

/** A request to a Fastify route (each route has its own config object, as Fastify gives them). */
function requestTo(route: object, token: string): FastifyRequest {
  return { headers: { authorization: `Bearer ${token}` }, routeOptions: { config: route } } as unknown as FastifyRequest;
}
function contextOf(request: FastifyRequest, handler: (this: Routes) => void): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => request }),
    getHandler: () => handler,
    getClass: () => Routes,
  } as unknown as ExecutionContext;
}
const apiToken = () => tokens.issueAccessToken({ userId: randomUUID(), sessionId: randomUUID(), audiences: ['api'] }).token;

/** A route served by `api()`, as the guard learns routes: from a request it decides itself. */
function apiRoute(): object {
  const route = {};
  expect(guard.canActivate(contextOf(requestTo(route, apiToken()), Routes.prototype.api))).toBe(true);
  return route;
}

describe('AuthGuard and the early decision', () => {
  it('does not verify a token twice when the early decision was made for the handler’s own access', () => {
    const request = requestTo(apiRoute(), apiToken());
    const check = jest.spyOn(tokens, 'checkAccessToken');
    try {
      expect(guard.decideEarly(request, guard.accessOfRoute(request)!)).toBe(true);
      expect(guard.canActivate(contextOf(request, Routes.prototype.api))).toBe(true);
      expect(check).toHaveBeenCalledTimes(1);
    } finally {
      check.mockRestore();
    }
  });

  it('decides again when the handler’s access is not the one decided early', () => {
    const request = requestTo(apiRoute(), apiToken());
    expect(guard.decideEarly(request, guard.accessOfRoute(request)!)).toBe(true);
    // The same request reaching a handler that serves only `web`: the api token is refused,
    // and a route seen with two handlers is no longer decided early.
    expect(() => guard.canActivate(contextOf(request, Routes.prototype.web))).toThrow(BearerChallengeException);
    expect(guard.accessOfRoute(request)).toBeUndefined();
  });

  it('records nothing for a refused request', () => {
    const session = randomUUID();
    const token = tokens.issueAccessToken({ userId: randomUUID(), sessionId: session, audiences: ['api'] }).token;
    revocations.markRevoked([session]);
    const request = requestTo(apiRoute(), token);
    expect(guard.decideEarly(request, guard.accessOfRoute(request)!)).toBe('revoked');
    expect(() => guard.canActivate(contextOf(request, Routes.prototype.api))).toThrow('Token revoked');
  });
});
