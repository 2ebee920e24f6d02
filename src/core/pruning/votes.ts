/**
 * Pruning votes (guide step 3). Keep, headshot and needs-edit all keep the image; headshot also asks for
 * a head crop (the face is the most recognisable part) and needs-edit flags it for the clarity step.
 */
export const VOTE_CHOICES = ['keep', 'prune', 'headshot', 'edit'] as const;
export type VoteChoice = (typeof VOTE_CHOICES)[number];

export type Decision = 'kept' | 'pruned' | 'undecided';

export interface QuorumRule {
  /** Decided as soon as one side leads by this many votes. */
  lead: number;
  /** Or by simple majority once this many friends have voted. */
  majorityAfter: number;
}

/** Default: one side leads by 2, or a majority once 3 have voted. */
export const DEFAULT_QUORUM: QuorumRule = { lead: 2, majorityAfter: 3 };

export interface Tally {
  keep: number;
  prune: number;
  headshot: number;
  edit: number;
  total: number;
}

export function tallyVotes(choices: Iterable<VoteChoice>): Tally {
  const tally: Tally = { keep: 0, prune: 0, headshot: 0, edit: 0, total: 0 };
  for (const choice of choices) {
    tally[choice] += 1;
    tally.total += 1;
  }
  return tally;
}

export interface ImageVerdict {
  decision: Decision;
  /** Set when the owner decided instead of the vote. */
  overridden: boolean;
  headshot: boolean;
  needsEdit: boolean;
}

/** Applies the quorum rule; an owner's override always wins. */
export function decideImage(tally: Tally, rule: QuorumRule, override: Decision | null = null): ImageVerdict {
  const keepSide = tally.keep + tally.headshot + tally.edit;
  const pruneSide = tally.prune;
  let decision: Decision = 'undecided';
  if (override !== null && override !== 'undecided') {
    decision = override;
  } else if (keepSide - pruneSide >= rule.lead) {
    decision = 'kept';
  } else if (pruneSide - keepSide >= rule.lead) {
    decision = 'pruned';
  } else if (tally.total >= rule.majorityAfter && keepSide !== pruneSide) {
    decision = keepSide > pruneSide ? 'kept' : 'pruned';
  }
  return {
    decision,
    overridden: override !== null && override !== 'undecided',
    headshot: decision === 'kept' && tally.headshot > 0,
    needsEdit: decision === 'kept' && tally.edit > 0,
  };
}

export function validateQuorumRule(rule: QuorumRule): string | null {
  if (!Number.isInteger(rule.lead) || rule.lead < 1 || rule.lead > 20)
    return `lead must be 1–20 (got ${rule.lead})`;
  if (!Number.isInteger(rule.majorityAfter) || rule.majorityAfter < 1 || rule.majorityAfter > 50)
    return `majority after must be 1–50 (got ${rule.majorityAfter})`;
  return null;
}
