/**
 * How friends decide a dataset-wide tag question (a fold proposal, an outfit): one vote each, the majority of
 * the votes cast wins, and the project owner can override (guide: the owner knows the character; the group
 * helps with the bulk work).
 */

/** A trait tag: fold it into the main tag, keep it as its own tag, or drop it from every caption. */
export const FOLD_CHOICES = ['fold', 'keep', 'drop'] as const;
export type FoldChoice = (typeof FOLD_CHOICES)[number];

/** An outfit tag: replace its component tags with it, or not. */
export const OUTFIT_CHOICES = ['accept', 'reject'] as const;
export type OutfitChoice = (typeof OUTFIT_CHOICES)[number];

export interface MajorityResult<C extends string> {
  /** The decided choice, or `undecided` with no votes, a tie, or no choice above half the votes. */
  outcome: C | 'undecided';
  counts: Record<C, number>;
  total: number;
  /** The owner's choice decided, whatever the votes say. */
  overridden: boolean;
}

/**
 * More than half of the votes cast decides (2 fold · 1 keep → fold; 1 · 1 · 1 → undecided). An owner's
 * override wins over any tally, so a stuck vote never blocks training.
 */
export function decideByMajority<C extends string>(
  choices: readonly C[],
  votes: readonly C[],
  override: C | null = null,
): MajorityResult<C> {
  const counts = Object.fromEntries(choices.map((choice) => [choice, 0])) as Record<C, number>;
  let total = 0;
  for (const vote of votes) {
    if (!choices.includes(vote)) continue;
    counts[vote] += 1;
    total += 1;
  }
  if (override !== null && choices.includes(override)) {
    return { outcome: override, counts, total, overridden: true };
  }
  const leader = choices.find((choice) => counts[choice] * 2 > total);
  return { outcome: leader ?? 'undecided', counts, total, overridden: false };
}
