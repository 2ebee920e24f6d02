import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { openDatabase } from '../../db/client.ts';
import { migrateDatabase } from '../../db/migrate.ts';
import { connectDatabaseOrExplain } from '../startup.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply database migrations (the bot and workers also do this at start).')
    .action(async () => {
      const config = readConfig(['database']);
      const database = openDatabase(config.DATABASE_URL, { max: 1 });
      try {
        await connectDatabaseOrExplain(database, config.DATABASE_URL);
        await migrateDatabase(database);
        process.stdout.write('kiln: database is up to date\n');
      } finally {
        await database.close();
      }
    });
}
