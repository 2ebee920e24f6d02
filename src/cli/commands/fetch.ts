import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { UserError } from '../../core/errors.ts';
import type { CaptionOptions } from '../../core/captions/index.ts';
import { parseQuery, type ProjectQuery } from '../../core/query/schema.ts';
import { fetchTallyLine, type FetchTally } from '../../core/query/fetch-tally.ts';
import { SKIP_REASON_TEXT, type SkipCode } from '../../core/query/plan.ts';
import { createE621Client, type E621Client } from '../../e621/client.ts';
import { fetchToFolder, type FolderCounts, type FolderManifest } from '../../e621/folder.ts';

/**
 * `kiln fetch`: the e621 acquisition without Discord or a database — a standalone replacement for pika's
 * downloader that writes images, pika-compatible captions and a manifest into a folder.
 */

export interface FetchCommandOptions {
  tags: string;
  blacklist?: string | undefined;
  minScore?: string | undefined;
  minArea?: string | undefined;
  top?: string | undefined;
  ratings?: string | undefined;
  types?: string | undefined;
  maxShortSide?: string | undefined;
  out: string;
  prepend?: string | undefined;
  append?: string | undefined;
  remove?: string | undefined;
  keepUnderscores?: boolean | undefined;
  ratingWord?: boolean | undefined;
  housekeeping?: boolean | undefined;
  concurrency?: string | undefined;
}

export interface FetchCommandIo {
  client: E621Client;
  /** Where progress and the summary go (stderr for progress in the real CLI). */
  write: (text: string) => void;
  /** Rewrite one progress line in place (a terminal) instead of printing a line now and then. */
  interactive?: boolean;
  signal?: AbortSignal;
}

const MAX_CONCURRENCY = 16;

function splitList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export function queryFromOptions(options: FetchCommandOptions): ProjectQuery {
  return parseQuery({
    required: options.tags,
    blacklist: options.blacklist,
    minScore: options.minScore,
    minArea: options.minArea,
    topN: options.top,
    ratings: options.ratings,
    fileTypes: options.types,
    maxShortSide: options.maxShortSide,
  });
}

/** A caption is one line (sd-scripts reads only the first): a line break in a tag would split every caption. */
function refuseLineBreaks(options: FetchCommandOptions): void {
  for (const [flag, value] of [
    ['--prepend', options.prepend],
    ['--append', options.append],
    ['--remove', options.remove],
  ] as const) {
    if (value !== undefined && /[\r\n]/.test(value)) {
      throw new UserError(
        'invalid-option',
        `${flag} contains a line break (${JSON.stringify(value)}); captions are one line, so separate tags with commas.`,
      );
    }
  }
}

function parseConcurrency(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < 1 || value > MAX_CONCURRENCY) {
    throw new UserError(
      'invalid-option',
      `--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, got ${JSON.stringify(text)}.`,
    );
  }
  return value;
}

export function captionFromOptions(options: FetchCommandOptions): Partial<CaptionOptions> {
  refuseLineBreaks(options);
  return {
    prepend: splitList(options.prepend),
    append: splitList(options.append),
    remove: splitList(options.remove),
    replaceUnderscores: !(options.keepUnderscores ?? false),
    ratingWord: options.ratingWord ?? true,
    removeHousekeeping: options.housekeeping ?? true,
  };
}

function progressLine(counts: FolderCounts, phase: string): string {
  if (phase === 'searching') return 'kiln fetch: searching e621…';
  return (
    `kiln fetch: ${counts.done}/${counts.found} · ${counts.downloaded} downloaded · ${counts.resized} stored · ` +
    `${counts.cached} already here · ${counts.skipped} skipped`
  );
}

function countCodes(entries: readonly { code: SkipCode }[]): Partial<Record<SkipCode, number>> {
  const counts: Partial<Record<SkipCode, number>> = {};
  for (const entry of entries) counts[entry.code] = (counts[entry.code] ?? 0) + 1;
  return counts;
}

/** Why posts were left out, e.g. "2 blacklisted, 1 below min score"; empty when none were. */
export function describeSkips(manifest: FolderManifest): string {
  return Object.entries(countCodes(manifest.skipped))
    .map(([code, count]) => `${count} ${SKIP_REASON_TEXT[code as SkipCode]}`)
    .join(', ');
}

/** The folder's numbers as the fetch tally the Discord summary uses too. */
export function tallyOfManifest(manifest: FolderManifest): FetchTally {
  const beforeDownload = manifest.counts.skippedBeforeDownload ?? 0;
  const notStored = manifest.skipped.slice(beforeDownload);
  const taken = manifest.counts.found ?? 0;
  const resized = manifest.counts.resized ?? 0;
  const exact = manifest.duplicates.filter((entry) => entry.kind === 'exact').length;
  return {
    taken,
    skippedBeforeDownload: countCodes(manifest.skipped.slice(0, beforeDownload)),
    notStored: countCodes(notStored),
    resized,
    // Stored before this run: cached files and known duplicates (their hashes are all dedupe needs).
    alreadyStored: taken - notStored.length - resized,
    duplicates: { exact, near: manifest.duplicates.length - exact },
    ready: manifest.taken.length,
  };
}

/** Runs the fetch into `options.out`, printing progress; returns the manifest it wrote. */
export async function runFetchCommand(
  options: FetchCommandOptions,
  io: FetchCommandIo,
): Promise<FolderManifest> {
  const query = queryFromOptions(options);
  const caption = captionFromOptions(options);
  const concurrency = parseConcurrency(options.concurrency);
  let lastPrinted = 0;
  let lastLine = '';
  const manifest = await fetchToFolder({
    client: io.client,
    query,
    out: options.out,
    caption,
    ...(concurrency !== undefined ? { downloadConcurrency: concurrency } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: (counts, phase) => {
      const line = progressLine(counts, phase);
      if (line === lastLine) return;
      const now = Date.now();
      if (io.interactive) io.write(`\r${line}\u001b[K`);
      else if (now - lastPrinted >= 2000 || phase === 'done' || lastLine === '') {
        io.write(`${line}\n`);
        lastPrinted = now;
      } else return;
      lastLine = line;
    },
  });
  if (io.interactive) io.write('\n');
  io.write(
    `kiln fetch: ${fetchTallyLine(tallyOfManifest(manifest), { readyAs: `images with captions in ${options.out}` })}. ` +
      'See manifest.json.\n',
  );
  for (const warning of manifest.warnings) io.write(`kiln fetch: warning: ${warning}\n`);
  return manifest;
}

export function registerFetch(program: Command): void {
  program
    .command('fetch')
    .description("Download a query's top posts from e621 into a folder: images, captions and manifest.json.")
    .requiredOption(
      '--tags <groups>',
      'required tag groups: "," = all of, "|" = or, e.g. "krystal, solo | krystal, solo_focus"',
    )
    .requiredOption('--out <dir>', 'output folder (created if missing; running again continues)')
    .option('--blacklist <groups>', 'tag groups to leave out (replaces the default blacklist)')
    .option('--min-score <n>', 'minimum score')
    .option('--min-area <pixels>', 'minimum width × height (default 589824 = 768²)')
    .option('--top <n>', 'how many posts to take, by score (1..5000)')
    .option('--ratings <list>', 'ratings to take: s,q,e')
    .option('--types <list>', 'file types to take: png,jpg,webp')
    .option('--max-short-side <px>', 'downscale so the short side is at most this (default 2048)')
    .option('--prepend <tags>', 'caption tags to put first, comma-separated')
    .option('--append <tags>', 'caption tags to put last, comma-separated')
    .option('--remove <tags>', 'caption tags to drop, comma-separated')
    .option('--keep-underscores', 'keep underscores in caption tags')
    .option('--no-rating-word', 'do not add safe/questionable/explicit to captions')
    .option('--no-housekeeping', 'keep housekeeping tags (hi_res, years, aspect ratios…) in captions')
    .option('--concurrency <n>', 'parallel downloads (default 4)')
    .action(async (options: FetchCommandOptions) => {
      const config = readConfig(['e621']);
      const client = createE621Client(config);
      const controller = new AbortController();
      const stop = (): void => controller.abort(new Error('interrupted'));
      process.once('SIGINT', stop);
      let manifest: FolderManifest;
      try {
        manifest = await runFetchCommand(options, {
          client,
          write: (text) => process.stderr.write(text),
          interactive: process.stderr.isTTY,
          signal: controller.signal,
        });
      } catch (error) {
        if (!controller.signal.aborted) throw error;
        process.stderr.write(
          `\nkiln fetch: interrupted; what was stored stays in ${options.out}. Run the same command again to continue.\n`,
        );
        process.exit(130);
      } finally {
        process.off('SIGINT', stop);
      }
      // `kiln fetch && kiln train` must not carry on with an empty folder.
      if (manifest.taken.length === 0) {
        const skips = describeSkips(manifest);
        throw new UserError(
          'not-found',
          `Nothing was fetched into ${options.out}: ${manifest.counts.found ?? 0} posts matched${skips ? ` (skipped: ${skips})` : ''}. Loosen the query (--tags, --min-score, --min-area, --ratings) and run again.`,
        );
      }
    });
}
