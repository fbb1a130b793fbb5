import { runPlatform } from '@app/server';
import { AppModule } from './app.module.js';

// `gatehouse start`: bin/gatehouse.js runs this file for it, and so does the CLI's `start`.
const USAGE = 'Usage: gatehouse start\n\nRun the server (an embedded PostgreSQL when DATABASE_URL is unset).\n';
const args = process.argv.slice(2);
if (args.length > 0) {
  const help = args.every((arg) => arg === '--help' || arg === '-h');
  (help ? process.stdout : process.stderr).write(help ? USAGE : `gatehouse start takes no arguments (got ${args.join(' ')})\n\n${USAGE}`);
  process.exit(help ? 0 : 1);
}
await runPlatform((databaseUrl, config) => AppModule.forRoot(databaseUrl, config));
