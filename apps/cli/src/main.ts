import { Command } from 'commander';
import { runPlatform } from '../../platform/src/bootstrap.js';
import { registerConfigCommands } from './commands/config.command.js';
import { registerMigrateCommand } from './commands/migrate.command.js';
import { registerSecretCommands } from './commands/secret.command.js';
import { registerUserCommands } from './commands/user.command.js';

const program = new Command('gatehouse')
  .description('Gatehouse: authentication and workspace access for workspace apps')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

program
  .command('start')
  .description('run the server (an embedded PostgreSQL when DATABASE_URL is unset)')
  .action(() => runPlatform());

registerConfigCommands(program);
registerSecretCommands(program);
registerMigrateCommand(program);
registerUserCommands(program);

await program.parseAsync();
