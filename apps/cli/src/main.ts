import { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { registerConfigCommands } from './commands/config.command.js';
import { registerMigrateCommand } from './commands/migrate.command.js';
import { registerSecretCommands } from './commands/secret.command.js';
import { registerUserCommands } from './commands/user.command.js';

const program = new Command('gatehouse')
  .description('Gatehouse: authentication and workspace access for workspace apps')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

// The server is another app: run as its own program, never imported (bin/gatehouse.js runs it
// directly for a plain `gatehouse start`).
program.command('start', 'run the server (an embedded PostgreSQL when DATABASE_URL is unset)', {
  executableFile: fileURLToPath(new URL('../../platform/src/main.js', import.meta.url)),
});

registerConfigCommands(program);
registerSecretCommands(program);
registerMigrateCommand(program);
registerUserCommands(program);

await program.parseAsync();
