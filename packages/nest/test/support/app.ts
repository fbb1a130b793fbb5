import 'reflect-metadata';
import { type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { GatehouseModule, type GatehouseModuleOptions } from '../../src/index.js';

export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = ['fastify', 'express'];

export interface TestApp {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/** A Nest application with the kit's module and these controllers, listening on 127.0.0.1 and a free port. */
export async function startApp(platform: Platform, options: GatehouseModuleOptions, controllers: Type[]): Promise<TestApp> {
  class RootModule {}
  const module = { module: RootModule, imports: [GatehouseModule.forRoot(options)], controllers };
  const adapter = platform === 'fastify' ? new FastifyAdapter() : new ExpressAdapter();
  const app = await NestFactory.create(module, adapter, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}
