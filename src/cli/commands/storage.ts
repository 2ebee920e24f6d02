import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { UserError } from '../../core/errors.ts';
import { formatBytes } from '../../delivery/upload-limit.ts';
import { LocalStore } from '../../storage/local-store.ts';
import { KEPT_PREFIXES, migrateStore, type MigrationProgress } from '../../storage/migrate.ts';
import { openStore } from '../../storage/open-store.ts';
import { StorageError } from '../../storage/storage-error.ts';

function progressLine(progress: MigrationProgress): string {
  return `kiln: ${progress.seen} files: ${progress.copied} copied (${formatBytes(progress.bytesCopied)}), ${progress.skipped} already there`;
}

export function registerStorage(program: Command): void {
  const storage = program.command('storage').description('The object store that keeps images and models.');
  storage
    .command('migrate')
    .description(
      `Copy the kept files of a local data folder (${KEPT_PREFIXES.join(', ')}) into the object store of STORAGE=s3; run it again to resume.`,
    )
    .option('--from <dir>', 'the local data folder to copy (default DATA_DIR)')
    .action(async (options: { from?: string }) => {
      const config = readConfig(['storage', 'runtime']);
      if (config.STORAGE !== 's3') {
        throw new UserError(
          'invalid-option',
          'STORAGE is local: set STORAGE=s3 and the S3_* variables of the object store to migrate into.',
        );
      }
      const source = new LocalStore(options.from ?? config.DATA_DIR);
      const target = openStore(config);
      const interactive = process.stdout.isTTY;
      let lastPrinted = 0;
      try {
        await target.check();
        const done = await migrateStore(source, target, {
          readLocalFile: (key) => source.pathOf(key),
          onProgress: (progress) => {
            // One line, rewritten in a terminal; every 100 files in a log.
            if (interactive) process.stdout.write(`\r${progressLine(progress)}`);
            else if (progress.seen - lastPrinted >= 100) {
              lastPrinted = progress.seen;
              process.stdout.write(`${progressLine(progress)}\n`);
            }
          },
        });
        process.stdout.write(
          `${interactive ? '\r' : ''}${progressLine(done)}; ${source.description} → ${target.description}\n`,
        );
      } catch (error) {
        if (interactive) process.stdout.write('\n');
        if (error instanceof StorageError) throw new UserError('service-unavailable', error.message);
        throw error;
      }
    });
}
