import type { Command } from 'commander';
import { connectDataSource, dataSourceOptions, runMigrations } from '@app/database';
import { configOrExit, fail, withDatabaseUrl } from '../config-or-exit.js';
import { describeStartupFailure } from '@app/server';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations (start-up does this too)')
    .action(async () => {
      const config = configOrExit();
      try {
        const applied = await withDatabaseUrl(config, async (url) => {
          const dataSource = await connectDataSource(dataSourceOptions(url));
          try {
            return await runMigrations(dataSource);
          } finally {
            await dataSource.destroy();
          }
        });
        process.stdout.write(
          applied.length === 0 ? 'Database is up to date\n' : `Applied migrations:\n${applied.map((name) => `  ${name}\n`).join('')}`,
        );
      } catch (error) {
        fail(describeStartupFailure(error));
      }
    });
}
