import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { connectDataSource, dataSourceOptions, runMigrations, servingDataSourceOptions } from './data-source.js';
import { DatabaseNotifications } from './database-notifications.js';
import { Transactions } from './transactions.js';

/**
 * The TypeORM connection, migrated before anything else uses it. Entities are registered by
 * the modules that own them (`TypeOrmModule.forFeature`). Also gives every module the
 * cross-repository transaction runner and the LISTEN connection.
 */
@Module({})
export class DatabaseModule {
  static forRoot(url: string): DynamicModule {
    const logger = new Logger('Database');
    return {
      module: DatabaseModule,
      global: true,
      providers: [Transactions, DatabaseNotifications],
      exports: [Transactions, DatabaseNotifications],
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ ...servingDataSourceOptions(url), autoLoadEntities: true, retryAttempts: 0 }),
          dataSourceFactory: async (options) => {
            // Migrations run first, on a connection of their own without the statement timeouts.
            const migrator = await connectDataSource(dataSourceOptions(url));
            try {
              const applied = await runMigrations(migrator);
              if (applied.length > 0) logger.log(`Applied migrations: ${applied.join(', ')}`);
            } finally {
              await migrator.destroy();
            }
            return connectDataSource(options!);
          },
        }),
      ],
    };
  }
}
