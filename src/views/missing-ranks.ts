import type { LeftOutRank } from '../db/repositories/fetch-runs.ts';

/** Ranks named one by one in the note; the rest are counted. */
const RANKS_LISTED = 15;

function why(entry: LeftOutRank): string {
  if (entry.status === 'skipped') return `could not be stored (${entry.skipReason ?? 'unknown reason'})`;
  const of = entry.duplicateOfRank !== null ? `#${entry.duplicateOfRank}` : 'another image';
  return `${entry.duplicateKind === 'exact' ? 'the same file as' : 'a near-duplicate of'} ${of}`;
}

/**
 * The gallery numbers are the fetch's e621 ranks; where one is missing, this note says why, so a jump
 * from #12 to #14 is not a mystery. Null when nothing is missing.
 */
export function missingRanksNote(leftOut: readonly LeftOutRank[]): string | null {
  if (leftOut.length === 0) return null;
  const lines = leftOut.slice(0, RANKS_LISTED).map((entry) => `- #${entry.rank}: ${why(entry)}`);
  if (leftOut.length > RANKS_LISTED) lines.push(`- …and ${leftOut.length - RANKS_LISTED} more`);
  return [
    `Image numbers are the fetch's ranks by score; ${leftOut.length === 1 ? 'one rank is' : `${leftOut.length} ranks are`} not in the galleries:`,
    ...lines,
  ].join('\n');
}
