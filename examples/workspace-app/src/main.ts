import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { ExampleContext } from './example-context.js';
import { discoverGatehouse } from './gatehouse-metadata.js';
import { readSettings } from './settings.js';

async function main(): Promise<void> {
  const logger = new Logger('ExampleApp');
  const read = readSettings();
  if (!read.ok) {
    for (const problem of read.problems) process.stderr.write(`${problem}\n`);
    process.exit(1);
  }
  const { settings } = read;
  const gatehouse = await discoverGatehouse(settings.gatehouseUrl, (line) => logger.warn(line));
  if (settings.introspectionClient !== undefined && gatehouse.introspectionEndpoint === undefined) {
    throw new Error(`EXAMPLE_CLIENT_ID is set, but Gatehouse's metadata (${gatehouse.url}) names no introspection_endpoint`);
  }
  await warnWithoutSigningKeys(gatehouse.jwksUri, logger);

  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(new ExampleContext(settings, gatehouse)),
    new FastifyAdapter(),
  );
  app.enableShutdownHooks();
  await app.listen(settings.port, settings.host);
  logger.log(
    `Example workspace app is listening on http://${settings.host}:${settings.port} (public URL ${settings.publicUrl}), ` +
      `trusting Gatehouse ${gatehouse.issuer}${settings.introspectionClient === undefined ? '' : ', with introspection'}`,
  );
}

/** In HS256 mode Gatehouse publishes no public key, and the app could verify no token. */
async function warnWithoutSigningKeys(jwksUri: string, logger: Logger): Promise<void> {
  const response = await fetch(jwksUri, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  const body = (await response?.json().catch(() => undefined)) as { keys?: unknown[] } | undefined;
  if (body?.keys?.length === 0) {
    logger.warn(
      `Gatehouse publishes no signing key at ${jwksUri}: it signs with HS256, whose secret this app does not hold. ` +
        'Start Gatehouse with JWT_SIGNING_ALGORITHM=ES256 (or RS256, EdDSA) so that its tokens verify here.',
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
