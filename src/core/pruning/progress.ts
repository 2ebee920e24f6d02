import type { Decision } from './votes.ts';

/** The guide aims for 50–100 images after pruning; fewer still trains, with less flexibility. */
export const DATASET_TARGET = { min: 50, max: 100 } as const;

/** "A good number of headshots": we warn below one in ten kept images. */
export const MIN_HEADSHOT_SHARE = 0.1;

export interface BoardCounts {
  total: number;
  kept: number;
  pruned: number;
  undecided: number;
  headshots: number;
  needsEdit: number;
}

export function countBoard(
  verdicts: Iterable<{ decision: Decision; headshot: boolean; needsEdit: boolean }>,
): BoardCounts {
  const counts: BoardCounts = { total: 0, kept: 0, pruned: 0, undecided: 0, headshots: 0, needsEdit: 0 };
  for (const verdict of verdicts) {
    counts.total += 1;
    counts[verdict.decision] += 1;
    if (verdict.headshot) counts.headshots += 1;
    if (verdict.needsEdit) counts.needsEdit += 1;
  }
  return counts;
}

/** One line comparing the kept count with the guide's 50–100 target. */
export function targetLine(kept: number): string {
  if (kept < DATASET_TARGET.min)
    return `${kept} kept, ${DATASET_TARGET.min - kept} short of the guide's 50–100`;
  if (kept <= DATASET_TARGET.max) return `${kept} kept, inside the guide's 50–100`;
  return `${kept} kept, above the guide's 50–100 (fine if they are all good; more to tag)`;
}
