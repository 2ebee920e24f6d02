/**
 * The epoch vote (guide, "Testing the LoRA": pick the epoch that looks most like the character without forcing
 * poses or styles): friends vote, the epoch with most votes leads; on a tie the owner's vote decides, then the
 * later epoch (it has trained longest).
 */

export interface EpochVote {
  userId: string;
  epoch: number;
}

export interface EpochTally {
  epoch: number;
  votes: number;
}

/** Votes per epoch, for every epoch offered (zero included), in epoch order. */
export function tallyEpochVotes(votes: readonly EpochVote[], epochs: readonly number[]): EpochTally[] {
  return [...new Set(epochs)]
    .sort((a, b) => a - b)
    .map((epoch) => ({ epoch, votes: votes.filter((vote) => vote.epoch === epoch).length }));
}

/** The leading epoch, or null when nobody voted for an offered epoch. */
export function leadingEpoch(
  votes: readonly EpochVote[],
  epochs: readonly number[],
  ownerId: string,
): number | null {
  const tally = tallyEpochVotes(votes, epochs);
  const most = Math.max(0, ...tally.map((t) => t.votes));
  if (most === 0) return null;
  const tied = tally.filter((t) => t.votes === most).map((t) => t.epoch);
  const owner = votes.find((vote) => vote.userId === ownerId)?.epoch;
  if (owner !== undefined && tied.includes(owner)) return owner;
  return Math.max(...tied);
}
