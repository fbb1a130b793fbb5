import { type INestApplicationContext, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type Command, InvalidArgumentError } from 'commander';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { type GatehouseConfig, GatehouseConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { AuthCoreModule, SessionsService } from '@app/auth';
import { type PublicUser, toPublicUser, UsersModule, UsersService } from '@app/users';
import { configOrExit, fail, withDatabaseUrl } from '../config-or-exit.js';
import { describeStartupFailure } from '@app/server';
import { DomainError } from '@app/errors';

interface CreateOptions {
  email: string;
  name?: string;
  json?: boolean;
}

/** The page size of `user list`, as `GET /workspaces` pages (SPEC section 4). */
const LIST_LIMIT = { default: 50, max: 200 };
const MAX_OFFSET = 1_000_000;

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage users');

  user
    .command('list')
    .description('list users, oldest first, a page at a time: id, email, name, disabled, created')
    .option('--limit <n>', `users per page, 1 to ${LIST_LIMIT.max}`, integerOption('limit', 1, LIST_LIMIT.max), LIST_LIMIT.default)
    .option('--offset <n>', 'users to skip', integerOption('offset', 0, MAX_OFFSET), 0)
    .option('--json', 'print {items, total, limit, offset} as JSON, as GET /workspaces pages')
    .action(async (options: { limit: number; offset: number; json?: boolean }) => {
      const config = configOrExit();
      const page = await runOrFail(() => withUsers(config, [], (context) => context.get(UsersService).list(options.limit, options.offset)));
      process.stdout.write(options.json ? `${JSON.stringify(page, null, 2)}\n` : describePage(page));
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
      const created = await runOrFail(
        () => withUsers(config, [], (context) => context.get(UsersService).create({ email: options.email, password, name: options.name })),
        'Cannot create user',
      );
      const shown = toPublicUser(created);
      process.stdout.write(options.json ? `${JSON.stringify(shown, null, 2)}\n` : `Created user ${shown.email} (id ${shown.id})\n`);
    });

  user
    .command('disable')
    .description('disable a user: logins are refused and every session and token of the user is revoked at once')
    .requiredOption('--email <email>', "the user's email")
    .action(async (options: { email: string }) => {
      const config = configOrExit();
      const disabled = await runOrFail(() =>
        withUsers(config, [AuthCoreModule], async (context) => {
          const found = await context.get(UsersService).findByEmail(options.email);
          return found !== null && (await context.get(SessionsService).disableUser(found.id)) ? found : null;
        }),
      );
      if (disabled === null) fail(`Cannot disable user: ${noSuchUser(options.email)}`);
      process.stdout.write(`Disabled user ${disabled.email}; its sessions are revoked\n`);
    });

  user
    .command('enable')
    .description('let a disabled user sign in again (the sessions revoked when it was disabled stay revoked)')
    .requiredOption('--email <email>', "the user's email")
    .action(async (options: { email: string }) => {
      const config = configOrExit();
      const found = await runOrFail(() =>
        withUsers(config, [], async (context) => {
          const users = context.get(UsersService);
          const existing = await users.findByEmail(options.email);
          if (existing?.disabled) await users.enable(existing.id);
          return existing;
        }),
      );
      if (found === null) fail(`Cannot enable user: ${noSuchUser(options.email)}`);
      process.stdout.write(
        found.disabled ? `Enabled user ${found.email}; it can sign in again\n` : `User ${found.email} is not disabled; nothing to do\n`,
      );
    });
}

/**
 * Runs `work` with the users module (and `modules`) on the configured PostgreSQL, in a Nest
 * application context that is closed afterwards.
 */
function withUsers<T>(config: GatehouseConfig, modules: Type[], work: (context: INestApplicationContext) => Promise<T>): Promise<T> {
  return withDatabaseUrl(config, async (url) => {
    @Module({ imports: [GatehouseConfigModule.forRoot(config), DatabaseModule.forRoot(url), UsersModule, ...modules] })
    class UserCommandModule {}
    const context = await NestFactory.createApplicationContext(UserCommandModule, { logger: false, abortOnError: false });
    try {
      return await work(context);
    } finally {
      await context.close();
    }
  });
}

/** `work`'s result; a refusal (`refusal: <message>`) or a database failure on stderr and exit 1. */
async function runOrFail<T>(work: () => Promise<T>, refusal?: string): Promise<T> {
  try {
    return await work();
  } catch (error) {
    fail(refusal !== undefined && error instanceof DomainError ? `${refusal}: ${error.message}` : describeStartupFailure(error));
  }
}

function noSuchUser(email: string): string {
  return `no user with email ${email.trim().toLowerCase()}`;
}

function integerOption(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min || Number(value) > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return Number(value);
  };
}

/** A page of users as a table, and which users it shows of how many. */
function describePage({ items, total, offset }: { items: PublicUser[]; total: number; offset: number }): string {
  if (items.length === 0) return total === 0 ? 'No users\n' : `No users at offset ${offset} (there are ${total})\n`;
  const rows = [
    ['ID', 'EMAIL', 'NAME', 'DISABLED', 'CREATED'],
    ...items.map((item) => [item.id, item.email, item.name ?? '-', item.disabled ? 'yes' : 'no', item.created_at]),
  ];
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const table = rows.map((row) => `${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`.trimEnd()).join('\n');
  const last = offset + items.length;
  const more = last < total ? `; next page: --offset ${last}` : '';
  return `${table}\nUsers ${offset + 1}-${last} of ${total}${more}\n`;
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
