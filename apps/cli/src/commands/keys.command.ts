import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type GatehouseConfig, GatehouseConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { AuthCoreModule, type KeyListing, SecretRotationIsByConfiguration, SigningKeyRotation } from '@app/auth';
import { describeStartupFailure } from '@app/server';
import { configOrExit, fail, withDatabaseUrl } from '../config-or-exit.js';

export function registerKeysCommands(program: Command): void {
  const keys = program
    .command('keys')
    .description('the asymmetric keys access tokens are signed with (JWT_SIGNING_ALGORITHM RS256, ES256 or EdDSA)');

  keys
    .command('rotate')
    .description(
      'make a new signing key: published at once in /.well-known/jwks.json, signing after twice the JWKS max-age (10 minutes); ' +
        'the old key stays published until the last token it signed has expired',
    )
    .option('--now', 'sign with the new key at once (resource servers that cached the JWKS fetch it again on the unknown kid)')
    .action(async (options: { now?: boolean }) => {
      const config = configOrExit();
      if (config.security.usesDefaultSecret && !config.security.isDevelopment) {
        fail('Cannot rotate: token issuance is disabled outside dev with the built-in PLATFORM_JWT_SECRET; set PLATFORM_JWT_SECRET first');
      }
      const made = await withRotation(config, (rotation) => rotation.rotate(options.now === true));
      process.stdout.write(
        made.activates === undefined
          ? `Made ${made.algorithm} key ${made.kid}: published and signing now\n`
          : `Made ${made.algorithm} key ${made.kid}: published now, signing from ${made.activates.toISOString()}\n`,
      );
    });

  keys
    .command('list')
    .description('the stored signing keys: kid, algorithm, state (next, current, retiring), created, activates or expires')
    .option('--json', 'print a JSON array')
    .action(async (options: { json?: boolean }) => {
      const config = configOrExit();
      const listed = await withRotation(config, (rotation) => rotation.list());
      if (options.json) {
        process.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
        return;
      }
      if (config.security.signingAlgorithm === 'HS256') {
        process.stdout.write(
          `JWT_SIGNING_ALGORITHM is HS256: access tokens are signed with PLATFORM_JWT_SECRET (kid ${config.security.secretFingerprint})\n`,
        );
      }
      process.stdout.write(describeKeys(listed));
    });
}

/** Runs `work` with the key rotation service on the configured PostgreSQL; a failure goes to stderr with exit 1. */
async function withRotation<T>(config: GatehouseConfig, work: (rotation: SigningKeyRotation) => Promise<T>): Promise<T> {
  try {
    return await inContext(config, work);
  } catch (error) {
    fail(error instanceof SecretRotationIsByConfiguration ? `Cannot rotate: ${error.message}` : describeStartupFailure(error));
  }
}

/** Runs `work` with the key rotation service on the configured PostgreSQL, in a Nest context closed afterwards. */
function inContext<T>(config: GatehouseConfig, work: (rotation: SigningKeyRotation) => Promise<T>): Promise<T> {
  return withDatabaseUrl(config, async (url) => {
    @Module({ imports: [GatehouseConfigModule.forRoot(config), DatabaseModule.forRoot(url), AuthCoreModule] })
    class KeysCommandModule {}
    const context = await NestFactory.createApplicationContext(KeysCommandModule, { logger: false, abortOnError: false });
    try {
      return await work(context.get(SigningKeyRotation));
    } finally {
      await context.close();
    }
  });
}

/**
 * The stored signing keys for `config security show`, or why they could not be read: that
 * command shows the configuration first, so a database that does not answer is said, not fatal.
 */
export async function storedSigningKeys(config: GatehouseConfig): Promise<{ keys: KeyListing[] } | { error: string }> {
  // Showing the configuration never creates an embedded PostgreSQL.
  const cluster = join(resolve(config.database.dataDir), 'postgres');
  if (config.database.url === undefined && !existsSync(join(cluster, 'PG_VERSION'))) {
    return { error: `no database yet (DATABASE_URL is unset and ${cluster} holds no embedded PostgreSQL)` };
  }
  try {
    return { keys: await inContext(config, (rotation) => rotation.list()) };
  } catch (error) {
    return { error: describeStartupFailure(error) };
  }
}

export function describeKeys(keys: readonly KeyListing[]): string {
  if (keys.length === 0) return 'No stored signing keys\n';
  const rows = [
    ['KID', 'ALGORITHM', 'STATE', 'CREATED', 'ACTIVATES / EXPIRES'],
    ...keys.map((key) => [
      key.kid,
      key.algorithm,
      key.state,
      key.created.toISOString(),
      key.activates !== undefined
        ? `activates ${key.activates.toISOString()}`
        : key.expires !== undefined
          ? `expires ${key.expires.toISOString()}`
          : '-',
    ]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  return `${rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
