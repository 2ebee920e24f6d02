import { readFile, rename, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { Option, type Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { UserError } from '../../core/errors.ts';
import { CAPTION_CATEGORY_ORDER, mergeCaption } from '../../core/tags/captions.ts';
import { mergeImageTags } from '../../core/tags/merge.ts';
import { DEFAULT_THRESHOLDS, validateThresholds } from '../../core/tags/thresholds.ts';
import type { TagCategory, TaggerThresholds } from '../../core/tags/types.ts';
import { createLogger, type Logger } from '../../log.ts';
import { listModels, modelPaths } from '../../tagger/download.ts';
import type { ProviderChoice } from '../../tagger/model.ts';
import { createTagger, type TaggedImage, type Tagger } from '../../tagger/tagger.ts';
import type { TaggerKind } from '../../tagger/tags-file.ts';
import {
  decodeUtf8,
  listFolderEntries,
  type FolderEntries,
  type SkippedEntry,
} from '../../storage/folder-entries.ts';

/** `kiln tag DIR`: tags every image of a folder with the taggers and merges the tags into its captions. */
export function registerTag(program: Command): void {
  program
    .command('tag')
    .description('Tag every image in DIR with the WD and e621 taggers and add the tags to its .txt caption.')
    .argument('<dir>', 'folder of images (captions are the same names with .txt)')
    .option(
      '--wd-threshold <n>',
      'WD tagger threshold (guide: 0.4 anime-like, 0.55, 0.7 feral/scalies)',
      '0.55',
    )
    .option('--e621-threshold <n>', 'e621 tagger threshold (guide: 0.7)', '0.7')
    .addOption(new Option('--only <kind>', 'use only this tagger').choices(['wd', 'e621']))
    .option('--batch-size <n>', 'images per inference', '8')
    .action(
      async (
        dir: string,
        options: { wdThreshold: string; e621Threshold: string; only?: TaggerKind; batchSize: string },
      ) => {
        const config = readConfig(['tagger', 'runtime']);
        const summary = await runTagDirectory({
          dir,
          modelsDir: config.MODELS_DIR,
          thresholds: {
            wd: typedNumber(options.wdThreshold, 'The WD tagger threshold must be a number from 0 to 1'),
            e621: typedNumber(
              options.e621Threshold,
              'The e621 tagger threshold must be a number from 0 to 1',
            ),
          },
          ...(options.only ? { only: [options.only] } : {}),
          batchSize: typedNumber(options.batchSize, '--batch-size must be a whole number ≥ 1'),
          log: createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, process.stderr),
          output: process.stderr,
        });
        const skipped = summary.skipped?.length ?? 0;
        process.stdout.write(
          `kiln: tagged ${summary.images} images; ${summary.captionsChanged} captions updated with ${summary.tagsAdded} new tags${skipped > 0 ? `; ${skipped} skipped (see above)` : ''}\n`,
        );
      },
    );
}

/** A number typed on the command line; the error shows what was typed, not NaN. */
function typedNumber(text: string, rule: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw new UserError('invalid-option', `${rule}; got ${JSON.stringify(text)}.`);
  }
  return value;
}

export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  '.png',
  '.jpg',
  '.jpeg',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
]);

const CHUNK = 32;

export interface TagDirectorySummary {
  /** Images tagged (skipped ones not counted). */
  images: number;
  /** Entries left out, each with the reason; absent when none. */
  skipped?: SkippedEntry[];
  captionsChanged: number;
  tagsAdded: number;
}

/** Order of the added tags: the caption order first, then the categories captions usually leave out. */
const ORDER: readonly TagCategory[] = [
  ...CAPTION_CATEGORY_ORDER,
  'copyright',
  'lore',
  'contributor',
  'invalid',
];

export async function runTagDirectory(options: {
  dir: string;
  modelsDir: string;
  thresholds?: Partial<TaggerThresholds>;
  only?: readonly TaggerKind[];
  batchSize?: number;
  providers?: ProviderChoice;
  log?: Logger;
  output?: NodeJS.WritableStream;
}): Promise<TagDirectorySummary> {
  const thresholds = validateThresholds({ ...DEFAULT_THRESHOLDS, ...options.thresholds });
  let entries: FolderEntries;
  try {
    entries = await listFolderEntries(options.dir, (name) =>
      IMAGE_EXTENSIONS.has(extname(name).toLowerCase()),
    );
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      (error as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      throw new UserError('not-found', `${options.dir} is not a folder.`);
    }
    throw error;
  }
  const images = entries.files;
  const skipped: SkippedEntry[] = [...entries.skipped];
  const kinds = options.only && options.only.length > 0 ? options.only : (['wd', 'e621'] as const);
  const installed = await listModels(options.modelsDir);
  for (const kind of kinds) {
    const model = installed.find((m) => m.kind === kind);
    if (model && !model.present) {
      const missing = model.sizes.model === 0 ? model.paths.modelPath : model.paths.tagsPath;
      throw new UserError(
        'model-missing',
        `The ${kind} tagger is not installed (${missing} is missing). Run \`kiln models download --only ${kind}\`${kinds.length > 1 ? `, or tag with the other one only (--only ${kind === 'wd' ? 'e621' : 'wd'})` : ''}.`,
      );
    }
  }
  const taggers: Tagger[] = [];
  const summary: TagDirectorySummary = { images: 0, captionsChanged: 0, tagsAdded: 0 };
  try {
    for (const kind of kinds) {
      const paths = modelPaths(options.modelsDir, kind);
      taggers.push(
        await createTagger({
          kind,
          modelPath: paths.modelPath,
          tagsPath: paths.tagsPath,
          providers: options.providers ?? 'auto',
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
          ...(options.log ? { log: options.log } : {}),
        }),
      );
    }
    for (let start = 0; start < images.length; start += CHUNK) {
      const chunk = images.slice(start, start + CHUNK);
      const results: Partial<Record<TaggerKind, TaggedImage[]>> = {};
      for (const tagger of taggers) {
        results[tagger.kind] = await tagger.tag(chunk, { threshold: thresholds[tagger.kind] });
      }
      for (const [i, image] of chunk.entries()) {
        const failure = results.wd?.[i]?.error ?? results.e621?.[i]?.error;
        if (failure !== undefined) {
          skipped.push({ name: image, reason: failure });
          continue;
        }
        const merged = mergeImageTags(
          { wd: results.wd?.[i]?.tags ?? [], e621: results.e621?.[i]?.tags ?? [] },
          thresholds,
        ).filter((tag) => tag.accepted);
        const rank = (category: TagCategory) => ORDER.indexOf(category);
        merged.sort((a, b) => rank(a.category) - rank(b.category) || b.confidence - a.confidence);
        const added = await mergeIntoCaption(
          image,
          merged.map((tag) => tag.tag),
        );
        if (typeof added === 'string') {
          skipped.push({ name: image, reason: added });
          continue;
        }
        summary.images += 1;
        if (added > 0) summary.captionsChanged += 1;
        summary.tagsAdded += added;
      }
      options.output?.write(
        `kiln: tagged ${Math.min(start + CHUNK, images.length)}/${images.length} images\n`,
      );
    }
  } finally {
    await Promise.all(taggers.map((tagger) => tagger.close()));
  }
  for (const entry of skipped) options.output?.write(`kiln: skipped ${entry.name}: ${entry.reason}\n`);
  return skipped.length > 0 ? { ...summary, skipped } : summary;
}

/**
 * Adds tags to an image's caption file (created if missing); returns how many were new, or why the caption was
 * left alone. Written atomically; a caption that is not UTF-8 is never rewritten (that would lose its bytes).
 */
async function mergeIntoCaption(imagePath: string, tags: readonly string[]): Promise<number | string> {
  const captionPath = `${imagePath.slice(0, imagePath.length - extname(imagePath).length)}.txt`;
  let existing = '';
  try {
    const text = decodeUtf8(await readFile(captionPath));
    if (text === null) {
      return `its caption ${captionPath} is not valid UTF-8; it was left as it is (save it as UTF-8 and run again)`;
    }
    existing = text.trim();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT')
      return `its caption ${captionPath} cannot be read (${code ?? (error as Error).message})`;
  }
  const merged = mergeCaption(existing, tags);
  if (merged === existing) return 0;
  const before = existing === '' ? 0 : existing.split(',').filter((t) => t.trim() !== '').length;
  const after = merged.split(',').length;
  const temporary = `${captionPath}.kiln-tmp`;
  await writeFile(temporary, `${merged}\n`);
  await rename(temporary, captionPath);
  return after - before;
}
