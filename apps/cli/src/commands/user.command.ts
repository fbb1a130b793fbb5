import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { GatehouseConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { AuthCoreModule, SessionsService } from '@app/auth';
import { toPublicUser, UsersModule, UsersService } from '@app/users';
import { configOrExit, fail, withDatabaseUrl } from '../config-or-exit.js';
import { describeStartupFailure } from '@app/server';
import { DomainError } from '@app/errors';

interface CreateOptions {
  email: string;
  name?: string;
  json?: boolean;
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage users');

  user
    .command('disable')
    .description('disable a user: logins are refused and every session and token of the user is revoked at once')
    .requiredOption('--email <email>', "the user's email")
    .action(async (options: { email: string }) => {
      const config = configOrExit();
      try {
        const disabled = await withDatabaseUrl(config, async (url) => {
          @Module({ imports: [GatehouseConfigModule.forRoot(config), DatabaseModule.forRoot(url), UsersModule, AuthCoreModule] })
          class UserDisableModule {}
          const context = await NestFactory.createApplicationContext(UserDisableModule, { logger: false, abortOnError: false });
          try {
            const found = await context.get(UsersService).findByEmail(options.email);
            return found !== null && (await context.get(SessionsService).disableUser(found.id)) ? found : null;
          } finally {
            await context.close();
          }
        });
        if (disabled === null) fail(`Cannot disable user: no user with email ${options.email.trim().toLowerCase()}`);
        process.stdout.write(`Disabled user ${disabled.email}; its sessions are revoked\n`);
      } catch (error) {
        fail(describeStartupFailure(error));
      }
    });

  user
    .command('create')
    .description('create a user; the password is read from standard input, never from the command line')
    .requiredOption('--email <email>', "the user's email (stored lower-cased)")
    .option('--name <name>', 'display name')
    .option('--json', 'print the created user as JSON')
    .addHelpText('after', '\nExample:\n  printf %s "$PASSWORD" | gatehouse user create --email ada@example.com --name Ada\n')
    .action(async (options: CreateOptions) => {
      const config = configOrExit();
      const password = await readPassword();
      try {
        const user = await withDatabaseUrl(config, async (url) => {
          @Module({ imports: [GatehouseConfigModule.forRoot(config), DatabaseModule.forRoot(url), UsersModule] })
          class UserCommandModule {}
          const context = await NestFactory.createApplicationContext(UserCommandModule, { logger: false, abortOnError: false });
          try {
            return await context.get(UsersService).create({ email: options.email, password, name: options.name });
          } finally {
            await context.close();
          }
        });
        const shown = toPublicUser(user);
        process.stdout.write(options.json ? `${JSON.stringify(shown, null, 2)}\n` : `Created user ${shown.email} (id ${shown.id})\n`);
      } catch (error) {
        fail(error instanceof DomainError ? `Cannot create user: ${error.message}` : describeStartupFailure(error));
      }
    });
}

/** From a pipe: all of stdin less one trailing newline. At a terminal: a prompt without echo. */
async function readPassword(): Promise<string> {
  let password: string;
  if (process.stdin.isTTY) {
    password = await promptHidden('Password: ');
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    password = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  if (password === '') fail('Cannot create user: no password on standard input');
  return password;
}

function promptHidden(prompt: string): Promise<string> {
  process.stderr.write(prompt);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) =>
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    }),
  );
}
