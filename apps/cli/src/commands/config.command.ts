import type { Command } from 'commander';
import { builtInSecretProblem, summariseSecurity } from '@app/config';
import { configOrExit, fail } from '../config-or-exit.js';
import { describeKeys, storedSigningKeys } from './keys.command.js';

const SECRET_SOURCES: Record<string, string> = {
  default: 'built-in development default',
  environment: 'PLATFORM_JWT_SECRET',
  file: 'PLATFORM_JWT_SECRET_FILE',
};

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('inspect and check the configuration');

  config
    .command('validate')
    .description(
      'check every setting (the environment over .env); exit 0, or 1 with one line per problem (as start-up would, and the built-in secret outside dev); warnings on stderr',
    )
    .action(() => {
      const { warnings, security, envFile } = configOrExit();
      for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
      // Start-up runs with it (and says so in an error line), but it is never a valid deployment.
      const secretProblem = builtInSecretProblem(security);
      if (secretProblem !== undefined) fail(secretProblem);
      process.stdout.write(envFile === undefined ? 'Configuration is valid\n' : `Configuration is valid (with settings from ${envFile})\n`);
    });

  config
    .command('security')
    .description('security settings')
    .command('show')
    .description(
      'print the resolved security settings (never the secret itself), with the signing keys stored in the database (`gatehouse keys list`)',
    )
    .option('--json', 'print JSON instead of text')
    .action(async (options: { json?: boolean }) => {
      const config = configOrExit();
      const { security } = config;
      const summary = summariseSecurity(security);
      const stored = await storedSigningKeys(config);
      if (options.json) {
        const keys = 'error' in stored ? { signing_keys: null, signing_keys_error: stored.error } : { signing_keys: stored.keys };
        process.stdout.write(`${JSON.stringify({ ...summary, ...keys }, null, 2)}\n`);
        return;
      }
      const environment =
        summary.environment === 'dev'
          ? 'dev (PLATFORM_ENV=dev)'
          : `production (PLATFORM_ENV ${summary.platform_env === null ? 'unset' : `=${summary.platform_env}`})`;
      const lines = [
        ['Environment', environment],
        ['Issuer', summary.issuer],
        ['Access tokens', `${summary.access_token_expiration.seconds} s (${summary.access_token_expiration.human})`],
        ['Refresh tokens', `${summary.refresh_token_expiration.seconds} s (${summary.refresh_token_expiration.human})`],
        ['Token exchange', `${summary.exchange_token_expiration.seconds} s at most (${summary.exchange_token_expiration.human})`],
        ['Audiences', summary.audiences.join(', ')],
        ['Secret', `${SECRET_SOURCES[summary.secret.source]}, fingerprint ${summary.secret.fingerprint}`],
        [
          'Previous',
          summary.previous_secrets.length === 0 ? 'none' : summary.previous_secrets.map((previous) => previous.fingerprint).join(', '),
        ],
        ['Algorithm', summary.signing_algorithm],
        ['Key rotation', summary.key_rotation_days === 0 ? 'only by `gatehouse keys rotate`' : `every ${summary.key_rotation_days} days`],
      ];
      for (const [name, value] of lines) process.stdout.write(`${`${name}:`.padEnd(16)}${value}\n`);
      process.stdout.write(
        'error' in stored ? `Signing keys:   unavailable (${stored.error})\n` : `\nSigning keys (stored):\n${describeKeys(stored.keys)}`,
      );
      if (security.usesDefaultSecret && !security.isDevelopment) {
        process.stdout.write(
          '\nToken issuance is disabled: the built-in secret is refused outside dev. ' +
            'Set PLATFORM_JWT_SECRET (generate one with `gatehouse secret generate`).\n',
        );
      }
    });
}
