import { runPlatform } from '@app/server';
import { AppModule } from './app.module.js';

// `gatehouse start [--dev]`: bin/gatehouse.js runs this file for it, and so does the CLI's `start`.
const USAGE =
  'Usage: gatehouse start [--dev]\n\n' +
  'Run the server (an embedded PostgreSQL when DATABASE_URL is unset).\n\n' +
  'Options:\n' +
  '  --dev       development mode (npm run dev): writes PLATFORM_ENV=dev to .env when nothing sets\n' +
  '              PLATFORM_ENV, so the gatehouse commands run in this directory use it too\n' +
  '  -h, --help  print this help\n';
const args = process.argv.slice(2);
const unknown = args.filter((arg) => !['--dev', '--help', '-h'].includes(arg));
if (unknown.length > 0) {
  process.stderr.write(`gatehouse start: unknown arguments (${unknown.join(' ')})\n\n${USAGE}`);
  process.exit(1);
}
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(USAGE);
  process.exit(0);
}
await runPlatform((databaseUrl, config) => AppModule.forRoot(databaseUrl, config), { dev: args.includes('--dev') });
