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

/** Crops of a project: a headshot vote opens a head crop, which adds an image only once its box is saved. */
export interface CropCounts {
  /** Head crops whose box is saved (what Finalize counts as headshot crops). */
  headshotsSaved: number;
  /** Crops of every kind whose box is saved. */
  saved: number;
  /** Crops opened (by a vote or a button) whose box nobody has saved yet. */
  waiting: number;
}

export function countCrops(crops: Iterable<{ kind: string; box: unknown; confirmed: boolean }>): CropCounts {
  const counts: CropCounts = { headshotsSaved: 0, saved: 0, waiting: 0 };
  for (const crop of crops) {
    if (crop.box !== null && crop.confirmed) {
      counts.saved += 1;
      if (crop.kind === 'headshot') counts.headshotsSaved += 1;
    } else counts.waiting += 1;
  }
  return counts;
}

/**
 * The board's headshot line: votes, crops saved, and what is left to do ("press Crops") while the
 * dataset is open; once it is finalized, only what made it in.
 */
export function headshotLine(headshotVotes: number, crops: CropCounts, frozen: boolean): string {
  if (frozen) {
    return `Headshots: **${crops.headshotsSaved}** headshot crops in the dataset (crops of other kinds ${crops.saved - crops.headshotsSaved}).`;
  }
  const parts = [
    `**${headshotVotes}** ${headshotVotes === 1 ? 'image' : 'images'} voted headshot`,
    `**${crops.headshotsSaved}** headshot crops saved`,
  ];
  const line = `Headshots: ${parts.join(' · ')}`;
  return crops.waiting > 0
    ? `${line} · **${crops.waiting}** crops waiting for a box: press **Crops** (a vote alone adds no image).`
    : `${line}. A headshot vote adds an image once its crop box is saved (**Crops**).`;
}
