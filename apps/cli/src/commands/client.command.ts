import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Command } from 'commander';
import { AuthCoreModule, type ClientView, type ClientWithSecret, ClientsService } from '@app/auth';
import { AUDIENCES, type GatehouseConfig, GatehouseConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { DomainError } from '@app/errors';
import { describeStartupFailure } from '@app/server';
import { configOrExit, fail, withDatabaseUrl } from '../config-or-exit.js';

export function registerClientCommands(program: Command): void {
  const client = program.command('client').description('manage service clients (the OAuth endpoints: client credentials, introspection)');

  client
    .command('create')
    .description('register a client; prints its client_id and client_secret, the secret only this once')
    .requiredOption('--name <name>', 'what the client is (a resource server, an agent)')
    .requiredOption('--audiences <list>', `the surfaces its own tokens may carry, comma-separated (${AUDIENCES.join(', ')})`)
    .option('--resource <uri...>', 'a resource server URI its tokens may carry (RFC 8707); repeat for several', [])
    .option('--json', 'print the client and its secret as JSON')
    .addHelpText('after', '\nExample:\n  gatehouse client create --name notes-mcp --audiences mcp --resource https://mcp.example/mcp\n')
    .action(async (options: { name: string; audiences: string; resource: string[]; json?: boolean }) => {
      const config = configOrExit();
      const created = await runOrFail('Cannot create client', config, (clients) =>
        clients.create({ name: options.name, audiences: options.audiences.split(','), resources: options.resource }),
      );
      process.stdout.write(
        options.json ? `${JSON.stringify(created, null, 2)}\n` : describeSecret(`Created client ${created.name}`, created),
      );
    });

  client
    .command('list')
    .description('list the clients, oldest first: id, name, audiences, resources, disabled, created (never a secret)')
    .option('--json', 'print {items, total} as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = configOrExit();
      const items = await runOrFail('Cannot list clients', config, (clients) => clients.list());
      process.stdout.write(options.json ? `${JSON.stringify({ items, total: items.length }, null, 2)}\n` : describeList(items));
    });

  client
    .command('disable')
    .description('disable a client: its credentials are refused and every token it holds is revoked at once, on every instance')
    .requiredOption('--id <client_id>', 'the client id')
    .action(async (options: { id: string }) => {
      const config = configOrExit();
      const disabled = await runOrFail('Cannot disable client', config, (clients) => clients.disable(options.id));
      process.stdout.write(`Disabled client ${disabled.name} (${disabled.client_id}); its tokens are revoked\n`);
    });

  client
    .command('rotate-secret')
    .description('give a client a new secret: the old one stops working and the tokens got with it are revoked')
    .requiredOption('--id <client_id>', 'the client id')
    .option('--json', 'print the client and its new secret as JSON')
    .action(async (options: { id: string; json?: boolean }) => {
      const config = configOrExit();
      const rotated = await runOrFail('Cannot rotate the secret', config, (clients) => clients.rotateSecret(options.id));
      process.stdout.write(
        options.json ? `${JSON.stringify(rotated, null, 2)}\n` : describeSecret(`New secret for client ${rotated.name}`, rotated),
      );
    });
}

/** `work` with the clients service on the configured PostgreSQL; a refusal (`<refusal>: <message>`) or a failure on stderr and exit 1. */
async function runOrFail<T>(refusal: string, config: GatehouseConfig, work: (clients: ClientsService) => Promise<T>): Promise<T> {
  try {
    return await withDatabaseUrl(config, async (url) => {
      @Module({ imports: [GatehouseConfigModule.forRoot(config), DatabaseModule.forRoot(url), AuthCoreModule] })
      class ClientCommandModule {}
      const context: INestApplicationContext = await NestFactory.createApplicationContext(ClientCommandModule, {
        logger: false,
        abortOnError: false,
      });
      try {
        return await work(context.get(ClientsService));
      } finally {
        await context.close();
      }
    });
  } catch (error) {
    fail(error instanceof DomainError ? `${refusal}: ${error.message}` : describeStartupFailure(error));
  }
}

function describeSecret(title: string, client: ClientWithSecret): string {
  return (
    `${title}\n` +
    `client_id:     ${client.client_id}\n` +
    `client_secret: ${client.client_secret}\n` +
    `audiences:     ${client.audiences.join(', ')}\n` +
    (client.resources.length > 0 ? `resources:     ${client.resources.join(' ')}\n` : '') +
    'Keep the secret now: Gatehouse stores only its hash and cannot show it again.\n'
  );
}

function describeList(items: ClientView[]): string {
  if (items.length === 0) return 'No clients\n';
  const rows = [
    ['ID', 'NAME', 'AUDIENCES', 'RESOURCES', 'DISABLED', 'CREATED'],
    ...items.map((item) => [
      item.client_id,
      item.name,
      item.audiences.join(','),
      item.resources.length > 0 ? item.resources.join(' ') : '-',
      item.disabled ? 'yes' : 'no',
      item.created_at,
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
