import { describe, expect, it } from 'vitest';
import { scoreEpoch } from '../../src/core/epochs/index.ts';
import { epochVoteId } from '../../src/views/epoch-vote-ids.ts';
import { epochVoteCard } from '../../src/views/epoch-vote.ts';

const scores = (epoch: number) =>
  scoreEpoch(epoch, [], { prompts: [], traits: ['blue_eyes'], outfits: [], overfitTags: [] });

describe('epoch vote card', () => {
  it('encodes votes and the delivery as short custom ids and refuses foreign ones', () => {
    expect(epochVoteId.encode({ runId: 12, epoch: 3 })).toBe('epoch@1:12:3');
    expect(epochVoteId.encode({ runId: 12, deliver: true })).toBe('epoch@1:12:deliver');
    expect(epochVoteId.decode('epoch@1:12:3')).toEqual({ runId: 12, epoch: 3 });
    expect(epochVoteId.decode('epoch@1:12:deliver')).toEqual({ runId: 12, deliver: true });
    expect(epochVoteId.decode('epoch@1:12:0')).toBeNull();
    expect(epochVoteId.decode('plan@1:12:start')).toBeNull();
  });

  it('fits 30 epochs into Discord limits: the last 20 as buttons in 4 rows plus the owner row, text under 2000', () => {
    const epochs = Array.from({ length: 30 }, (_, i) => ({ epoch: i + 1, scores: scores(i + 1) }));
    const card = epochVoteCard({
      runId: 7,
      characterName: 'A very long character name '.repeat(3),
      baseModelName: 'yiffymix',
      ownerId: '1',
      epochs,
      tally: epochs.map(({ epoch }) => ({ epoch, votes: epoch === 25 ? 2 : 0 })),
      leading: 25,
      checkUnavailable: false,
    });
    expect(card.content.length).toBeLessThanOrEqual(2000);
    expect(card.content).toContain('Leading: **epoch 25**');
    expect(card.components).toHaveLength(5);
    expect(card.components.map((row) => row.components.length)).toEqual([5, 5, 5, 5, 1]);
    expect(card.components[0]!.components[0]).toMatchObject({
      label: 'Epoch 11 (0)',
      custom_id: 'epoch@1:7:11',
    });
    expect(card.components[4]!.components[0]).toMatchObject({ label: 'Deliver epoch 25 (owner)' });
  });

  it('disables delivery until someone voted and drops the buttons once delivered', () => {
    const base = {
      runId: 7,
      characterName: 'Rox',
      baseModelName: 'yiffymix',
      ownerId: '1',
      epochs: [{ epoch: 1, scores: null }],
      tally: [{ epoch: 1, votes: 0 }],
      checkUnavailable: true,
    };
    const open = epochVoteCard({ ...base, leading: null });
    expect(open.content).toContain('The likeness check is unavailable');
    expect(open.components[1]!.components[0]).toMatchObject({ disabled: true });
    const done = epochVoteCard({ ...base, leading: 1, delivered: { epoch: 1, by: '2' } });
    expect(done.components).toEqual([]);
    expect(done.content).toContain('✅ Epoch 1 was delivered by <@2>.');
  });
});
