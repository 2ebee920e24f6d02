import { describe, expect, it } from 'vitest';
import { decideByMajority, FOLD_CHOICES, OUTFIT_CHOICES } from '../../../src/core/tags/decision-votes.ts';

describe('decideByMajority', () => {
  it('decides when one choice has more than half of the votes cast', () => {
    expect(decideByMajority(FOLD_CHOICES, ['fold', 'fold', 'keep'])).toEqual({
      outcome: 'fold',
      counts: { fold: 2, keep: 1, drop: 0 },
      total: 3,
      overridden: false,
    });
    expect(decideByMajority(OUTFIT_CHOICES, ['accept']).outcome).toBe('accept');
  });

  it('stays undecided without votes, on a tie, or with only a plurality', () => {
    expect(decideByMajority(FOLD_CHOICES, []).outcome).toBe('undecided');
    expect(decideByMajority(OUTFIT_CHOICES, ['accept', 'reject']).outcome).toBe('undecided');
    expect(decideByMajority(FOLD_CHOICES, ['fold', 'fold', 'keep', 'drop']).outcome).toBe('undecided');
  });

  it('lets the owner override any tally, and ignores unknown choices', () => {
    expect(decideByMajority(FOLD_CHOICES, ['keep', 'keep'], 'drop')).toMatchObject({
      outcome: 'drop',
      overridden: true,
      counts: { keep: 2 },
    });
    expect(decideByMajority(FOLD_CHOICES, ['fold', 'accept' as 'fold']).total).toBe(1);
  });
});
