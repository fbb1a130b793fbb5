import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { TokenRefusal } from '../auth-metrics.js';
import { audienceChallenge, BEARER_CHALLENGES, type PreparedResponse } from './bearer-challenges.js';
import { type AccessDecision, RequestAuthenticator } from './request-authenticator.js';
import { ROUTE_ACCESS_CONFIG, type RouteAccess } from './route-access-table.js';

/**
 * Where each request's access is decided: a Fastify `preParsing` hook asks `RequestAuthenticator`
 * about the route the request matched (its access travels in the route's config, from
 * `RouteAccessTable`) and answers a refusal at once, before the body is read or Nest runs.
 * Routes that are not Nest's (Swagger's assets, 404s) carry no access and are not its concern.
 */
@Injectable()
export class AccessDecisionHook implements OnModuleInit {
  private readonly logger = new Logger('AccessDecisionHook');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly authenticator: RequestAuthenticator,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    // Application contexts (tests of single modules) have no HTTP server.
    if (fastify === undefined) return;
    fastify.addHook('preParsing', (request, reply, payload, done) => {
      const access = (request.routeOptions.config as { [ROUTE_ACCESS_CONFIG]?: RouteAccess })[ROUTE_ACCESS_CONFIG];
      if (access === undefined) return done(null, payload);
      const decision = this.authenticator.decide(request, access);
      const answer = (settled: AccessDecision) => {
        if (settled.allowed) done(null, payload);
        else send(reply, refusalResponse(access, settled.refusal));
      };
      if (decision instanceof Promise) {
        // An unexpected verification failure becomes the request's error (a 500 from the
        // filter); anything thrown further on is logged, never an unhandled rejection.
        decision
          .then(answer, (error: Error) => done(error))
          .catch((error: unknown) => this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error)));
      } else {
        answer(decision);
      }
    });
  }
}

/** The prepared answer to a refusal; an audience refusal names the audiences the route accepts. */
function refusalResponse(access: RouteAccess, refusal: TokenRefusal): PreparedResponse {
  if (refusal !== 'audience') return BEARER_CHALLENGES[refusal];
  // Public routes refuse nothing; the type still asks.
  return access.public ? audienceChallenge([]) : access.audienceRefusal;
}

function send(reply: FastifyReply, { status, headers, payload }: PreparedResponse): void {
  void reply.status(status).headers(headers).send(payload);
}
