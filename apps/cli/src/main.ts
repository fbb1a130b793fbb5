import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { registerConfigCommands } from './commands/config.command.js';
import { registerKeysCommands } from './commands/keys.command.js';
import { registerMigrateCommand } from './commands/migrate.command.js';
import { registerSecretCommands } from './commands/secret.command.js';
import { registerUserCommands } from './commands/user.command.js';

// dist/apps/cli/src/main.js → the package's package.json.
const { version } = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('gatehouse')
  .description('Gatehouse: authentication and workspace access for workspace apps')
  .version(version, '-V, --version', 'print the version of Gatehouse')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

// The server is another app: run as its own program, never imported (bin/gatehouse.js runs it
// directly for a plain `gatehouse start`).
program.command('start', 'run the server (an embedded PostgreSQL when DATABASE_URL is unset; --dev for development mode)', {
  executableFile: fileURLToPath(new URL('../../platform/src/main.js', import.meta.url)),
});

registerConfigCommands(program);
registerKeysCommands(program);
registerSecretCommands(program);
registerMigrateCommand(program);
registerUserCommands(program);

await program.parseAsync();
