import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';

/** 64 random bytes (512 bits), base64url: 86 characters, safe in env files and URLs. */
export const GENERATED_SECRET_BYTES = 64;

export function registerSecretCommands(program: Command): void {
  program
    .command('secret')
    .description('signing secrets')
    .command('generate')
    .description(`print a new random secret (${GENERATED_SECRET_BYTES} bytes, base64url) for PLATFORM_JWT_SECRET`)
    .action(() => {
      process.stdout.write(`${randomBytes(GENERATED_SECRET_BYTES).toString('base64url')}\n`);
    });
}
