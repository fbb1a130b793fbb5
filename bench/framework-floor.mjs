#!/usr/bin/env node
// The framework floor of `npm run bench`: a bare NestJS application on the Fastify adapter with
// Gatehouse's `GET /health/live` handler and nothing else. No guard, no hooks, no security
// headers, no request logging: what NestJS on Fastify costs on this machine for that route, so
// that the bench can tell how much of Gatehouse's cost is Gatehouse's own. Plain ESM, no build
// step: the decorators are applied by calling them, as TypeScript's compiled code would.
//
// PORT (required) and HOST (default 127.0.0.1) say where it listens.
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

class HealthController {
  /** The same handler as Gatehouse's HealthController.live. */
  live() {
    return { status: 'ok' };
  }
}
Get('live')(HealthController.prototype, 'live', Object.getOwnPropertyDescriptor(HealthController.prototype, 'live'));
Controller('health')(HealthController);

class FrameworkFloorModule {}
Module({ controllers: [HealthController] })(FrameworkFloorModule);

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('framework-floor: set PORT to the port to listen on\n');
  process.exit(1);
}
// Only errors and warnings: Nest logs no requests anyway, and its start-up lines are not wanted.
const app = await NestFactory.create(FrameworkFloorModule, new FastifyAdapter(), { logger: ['error', 'warn'] });
await app.listen(port, process.env.HOST ?? '127.0.0.1');
