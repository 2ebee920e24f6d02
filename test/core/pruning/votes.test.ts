import { describe, expect, it } from 'vitest';
import { decideImage, DEFAULT_QUORUM, tallyVotes, type VoteChoice } from '../../../src/core/pruning/votes.ts';
import { countBoard, targetLine } from '../../../src/core/pruning/progress.ts';

const decide = (choices: VoteChoice[], override: 'kept' | 'pruned' | null = null) =>
  decideImage(tallyVotes(choices), DEFAULT_QUORUM, override);

describe('quorum rule', () => {
  it('stays undecided with one vote or a tie', () => {
    expect(decide(['keep']).decision).toBe('undecided');
    expect(decide(['keep', 'prune']).decision).toBe('undecided');
    expect(decide(['keep', 'prune', 'keep', 'prune']).decision).toBe('undecided');
  });

  it('decides as soon as one side leads by 2', () => {
    expect(decide(['keep', 'headshot']).decision).toBe('kept');
    expect(decide(['prune', 'prune']).decision).toBe('pruned');
  });

  it('decides by majority once 3 have voted', () => {
    expect(decide(['keep', 'prune', 'edit']).decision).toBe('kept');
    expect(decide(['prune', 'keep', 'prune']).decision).toBe('pruned');
  });

  it('lets the owner override any vote', () => {
    const verdict = decide(['keep', 'keep', 'keep'], 'pruned');
    expect(verdict).toMatchObject({ decision: 'pruned', overridden: true });
  });

  it('flags headshots and edits only on kept images', () => {
    expect(decide(['headshot', 'keep'])).toMatchObject({ headshot: true, needsEdit: false });
    expect(decide(['edit', 'keep'])).toMatchObject({ headshot: false, needsEdit: true });
    expect(decide(['headshot', 'prune', 'prune', 'prune'])).toMatchObject({
      decision: 'pruned',
      headshot: false,
    });
  });
});

describe('board', () => {
  it('counts decisions, headshots and edits', () => {
    const counts = countBoard([
      { decision: 'kept', headshot: true, needsEdit: false },
      { decision: 'kept', headshot: false, needsEdit: true },
      { decision: 'pruned', headshot: false, needsEdit: false },
      { decision: 'undecided', headshot: false, needsEdit: false },
    ]);
    expect(counts).toEqual({ total: 4, kept: 2, pruned: 1, undecided: 1, headshots: 1, needsEdit: 1 });
  });

  it('compares the kept count with the guide’s 50–100 target', () => {
    expect(targetLine(12)).toContain('38 short');
    expect(targetLine(80)).toContain('inside');
    expect(targetLine(140)).toContain('above');
  });
});
