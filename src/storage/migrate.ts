import type { ObjectStore } from './object-store.ts';

/** What `kiln storage migrate` copies: the kept files, not the caches (tagger models, run folders, sd-scripts). */
export const KEPT_PREFIXES = ['images/', 'models/lora/'] as const;

export interface MigrationProgress {
  seen: number;
  copied: number;
  /** Already in the target with the same size (an earlier, interrupted migration got that far). */
  skipped: number;
  bytesCopied: number;
}

/**
 * Copies every kept object from `source` into `target`, skipping those already there with the same size, so
 * an interrupted migration resumes where it stopped. Each object is one atomic put: never a half object.
 */
export async function migrateStore(
  source: ObjectStore,
  target: ObjectStore,
  options: {
    prefixes?: readonly string[];
    readLocalFile?: (key: string) => string | null;
    onProgress?: (progress: MigrationProgress) => void;
  } = {},
): Promise<MigrationProgress> {
  const progress: MigrationProgress = { seen: 0, copied: 0, skipped: 0, bytesCopied: 0 };
  for (const prefix of options.prefixes ?? KEPT_PREFIXES) {
    for await (const item of source.list(prefix)) {
      progress.seen += 1;
      const there = await target.stat(item.key);
      if (there && there.size === item.size) {
        progress.skipped += 1;
      } else {
        const path = options.readLocalFile?.(item.key) ?? null;
        if (path !== null) await target.putFile(item.key, path);
        else await target.put(item.key, await source.get(item.key));
        progress.copied += 1;
        progress.bytesCopied += item.size;
      }
      options.onProgress?.({ ...progress });
    }
  }
  return progress;
}
