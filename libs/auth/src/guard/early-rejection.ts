import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AuthGuard } from './auth.guard.js';

/**
 * Refuses a request with a missing or bad token before Nest runs: a Fastify `preParsing` hook
 * asks the guard (same decision, same response, same metrics) on routes the guard has already
 * served, and answers a refusal at once. A flood of bad tokens then costs no body parsing and
 * no trip through Nest's exception path. A request it lets through is not verified a second
 * time by the guard when the handler's access is the very access decided here; otherwise the
 * guard decides it afresh. A route not yet served is left to the guard.
 */
@Injectable()
export class EarlyRejection implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly guard: AuthGuard,
  ) {}

  onModuleInit(): void {
    // The CLI's application contexts have no HTTP server.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify === undefined) return;
    fastify.addHook('preParsing', (request, reply, payload, done) => {
      const access = this.guard.accessOfRoute(request);
      let outcome: ReturnType<AuthGuard['authenticate']> = true;
      try {
        if (access !== undefined) outcome = this.guard.decideEarly(request, access);
      } catch {
        // Unexpected: left to the guard, whose error the exception filter reports.
      }
      if (outcome === true) {
        done(null, payload);
        return;
      }
      const { status, headers, payload: body } = this.guard.rejected(outcome).prepared;
      void reply.status(status).headers(headers).send(body);
    });
  }
}
