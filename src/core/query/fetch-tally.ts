import { SKIP_REASON_TEXT, type SkipCode } from './plan.ts';

/**
 * The numbers of one fetch, in the order they happen, so every summary (Discord and CLI) adds up:
 *   looked at = taken + skipped before download
 *   taken     = stored + could not be stored
 *   stored    = downloaded and resized now + already stored
 *   ready     = stored − duplicates dropped
 */
export interface FetchTally {
  /** Posts the query selected (the top N that passed the filters). */
  taken: number;
  /** Posts among the top ranks the filters left out: never downloaded. */
  skippedBeforeDownload: Partial<Record<SkipCode, number>>;
  /** Taken posts whose image could not be stored (download failed, corrupt, …). */
  notStored: Partial<Record<SkipCode, number>>;
  /** Taken posts downloaded and resized by this run. */
  resized: number;
  /** Taken posts whose image was already stored (an earlier run or another project). */
  alreadyStored: number;
  /** Stored images dropped as duplicates of another one. */
  duplicates: { exact: number; near: number };
  /** Stored images left for the vote. */
  ready: number;
}

function total(counts: Partial<Record<SkipCode, number>>): number {
  return Object.values(counts).reduce<number>((sum, count) => sum + (count ?? 0), 0);
}

export function reasonsText(counts: Partial<Record<SkipCode, number>>): string {
  return Object.entries(counts)
    .filter(([, count]) => (count ?? 0) > 0)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([code, count]) => `${count} ${SKIP_REASON_TEXT[code as SkipCode]}`)
    .join(', ');
}

export interface TallyNumbers {
  lookedAt: number;
  skippedBeforeDownload: number;
  taken: number;
  notStored: number;
  stored: number;
  resized: number;
  alreadyStored: number;
  duplicates: number;
  ready: number;
}

/** Every number of the tally, derived the one way the identities above say. */
export function tallyNumbers(tally: FetchTally): TallyNumbers {
  const skippedBeforeDownload = total(tally.skippedBeforeDownload);
  const notStored = total(tally.notStored);
  return {
    lookedAt: tally.taken + skippedBeforeDownload,
    skippedBeforeDownload,
    taken: tally.taken,
    notStored,
    stored: tally.resized + tally.alreadyStored,
    resized: tally.resized,
    alreadyStored: tally.alreadyStored,
    duplicates: tally.duplicates.exact + tally.duplicates.near,
    ready: tally.ready,
  };
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

function duplicatesText(duplicates: FetchTally['duplicates']): string {
  const parts: string[] = [];
  if (duplicates.near > 0) parts.push(plural(duplicates.near, 'near-duplicate'));
  if (duplicates.exact > 0) parts.push(plural(duplicates.exact, 'exact copy', 'exact copies'));
  return parts.join(' and ');
}

/**
 * One line, each number named by what it counts, each step from the one before:
 * "40 taken of 42 matching (2 skipped before download: 2 blacklisted) → 40 stored (40 downloaded and
 * resized, 0 already stored) → 38 ready for the vote (2 near-duplicates dropped)".
 * `strong` marks the headline numbers (Discord bold, or nothing in a terminal); `readyAs` says what the
 * ready images are (default "ready for the vote").
 */
export function fetchTallyLine(
  tally: FetchTally,
  options: { strong?: (text: string) => string; readyAs?: string } = {},
): string {
  const strong = options.strong ?? ((text: string) => text);
  const n = tallyNumbers(tally);
  const count = (value: number) => strong(value.toLocaleString('en-US'));
  const steps: string[] = [];
  steps.push(
    `${count(n.taken)} taken of ${n.lookedAt.toLocaleString('en-US')} matching` +
      (n.skippedBeforeDownload > 0
        ? ` (${n.skippedBeforeDownload.toLocaleString('en-US')} skipped before download: ${reasonsText(tally.skippedBeforeDownload)})`
        : ''),
  );
  const storedDetail = [
    `${n.resized.toLocaleString('en-US')} downloaded and resized`,
    `${n.alreadyStored.toLocaleString('en-US')} already stored`,
  ];
  if (n.notStored > 0)
    storedDetail.push(
      `${n.notStored.toLocaleString('en-US')} could not be stored: ${reasonsText(tally.notStored)}`,
    );
  steps.push(`${count(n.stored)} stored (${storedDetail.join(', ')})`);
  steps.push(
    `${count(n.ready)} ${options.readyAs ?? 'ready for the vote'}` +
      (n.duplicates > 0 ? ` (${duplicatesText(tally.duplicates)} dropped)` : ' (no duplicates)'),
  );
  return steps.join(' → ');
}
