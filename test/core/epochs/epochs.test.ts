import { describe, expect, it } from 'vitest';
import {
  buildSamplePrompts,
  estimateClipTokens,
  leadingEpoch,
  tallyEpochVotes,
  overfittingCandidates,
  pickProbe,
  scoreEpoch,
  scoreSummary,
  scoreTable,
  share,
  tokenBudgetWarnings,
  type DatasetTagCount,
} from '../../../src/core/epochs/index.ts';

const counts = (entries: Record<string, number>): Map<string, DatasetTagCount> =>
  new Map(Object.entries(entries).map(([tag, count]) => [tag, { count, category: 'general' as const }]));

describe('buildSamplePrompts', () => {
  it('builds likeness, one prompt per outfit and a probe of the rarest pose, view and background (e621 tags, spelled as captions are)', () => {
    const prompts = buildSamplePrompts({
      mainTag: 'Roxanne_Wolf',
      family: 'e621',
      outfits: ['roxanneshirt', 'roxanneshirt', 'roxannejacket'],
      datasetTags: counts({ sitting: 5, standing: 9, lying: 0, side_view: 3, rear_view: 1, outside: 2 }),
      ownerPrompts: ['roxanne_wolf, on stage', '  '],
    });
    expect(prompts.map((p) => p.prompt)).toEqual([
      'roxanne wolf',
      'roxanne wolf, roxanneshirt',
      'roxanne wolf, roxannejacket',
      'roxanne wolf, lying, three-quarter view, inside',
      'roxanne_wolf, on stage',
    ]);
    expect(prompts.map((p) => p.kind)).toEqual(['likeness', 'outfit', 'outfit', 'flexibility', 'owner']);
    expect(prompts[3]?.probes).toEqual([
      { group: 'pose', tag: 'lying' },
      { group: 'view', tag: 'three-quarter_view' },
      { group: 'background', tag: 'inside' },
    ]);
    expect(prompts[4]?.tags).toEqual(['roxanne_wolf', 'on_stage']);
  });

  it('writes anime prompts with spaces and Danbooru probes', () => {
    const prompts = buildSamplePrompts({
      mainTag: 'hatsune_miku',
      family: 'anime',
      datasetTags: counts({ sitting: 2, standing: 4, from_side: 1 }),
    });
    expect(prompts.map((p) => p.prompt)).toEqual([
      'hatsune miku',
      'hatsune miku, lying, from behind, outdoors',
    ]);
  });

  it('picks the first candidate when none is in the dataset', () => {
    expect(pickProbe('anime', 'pose', new Map())).toBe('sitting');
  });

  it('refuses an empty main tag', () => {
    expect(() => buildSamplePrompts({ mainTag: ' ', family: 'e621', datasetTags: new Map() })).toThrow(
      /main tag is empty/,
    );
  });
});

describe('token budget', () => {
  it('estimates one token per short word and per comma, one per 4 letters of long words', () => {
    // roxanne(7→2) ,(1) wolf(1) ,(1) three(1) -(1) quarter(7→2) _(1) view(1) = 11
    expect(estimateClipTokens('roxanne, wolf, three-quarter_view')).toBe(11);
  });

  it('warns about prompts over 225 estimated tokens and says it is an estimate', () => {
    const long = Array.from({ length: 113 }, () => 'tag').join(', '); // 113 words + 112 commas = 225
    expect(tokenBudgetWarnings([long])).toEqual([]);
    const warnings = tokenBudgetWarnings([`${long}, more`, 'short']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.estimatedTokens).toBe(227);
    expect(warnings[0]?.message).toMatch(/about 227 tokens \(an estimate.*reads 225/);
  });
});

describe('overfittingCandidates', () => {
  it('keeps frequent backgrounds, styles and objects, not traits, clothes, poses or text', () => {
    const found = overfittingCandidates(
      counts({
        simple_background: 8,
        sword: 6,
        toony: 5,
        blue_eyes: 10,
        shirt: 9,
        standing: 9,
        text: 9,
        rox: 10,
        outside: 2,
      }),
      10,
      { mainTag: 'rox' },
    );
    expect(found).toEqual([
      { tag: 'simple_background', datasetShare: 0.8 },
      { tag: 'sword', datasetShare: 0.6 },
      { tag: 'toony', datasetShare: 0.5 },
    ]);
  });
});

describe('scoreEpoch', () => {
  const prompts = buildSamplePrompts({
    mainTag: 'rox',
    family: 'e621',
    outfits: ['roxshirt'],
    datasetTags: counts({}),
  });
  const context = {
    prompts,
    traits: ['blue_eyes', 'white_fur', 'red_hair'],
    outfits: [{ tag: 'roxshirt', components: ['red_shirt', 'crop_top', 'belt'] }],
    overfitTags: [{ tag: 'sword', datasetShare: 0.6 }],
  };

  it('counts trait recall, outfit control, flexibility and overfitting exactly', () => {
    const scores = scoreEpoch(
      2,
      [
        { promptIndex: 0, seed: 1, tags: ['blue_eyes', 'white_fur', 'red_shirt', 'crop_top'] },
        { promptIndex: 0, seed: 2, tags: ['blue_eyes', 'sword'] },
        { promptIndex: 1, seed: 1, tags: ['red_shirt', 'belt', 'sword'] },
        { promptIndex: 1, seed: 2, tags: ['red_shirt'] },
        { promptIndex: 2, seed: 1, tags: ['sitting', 'side_view'] },
        { promptIndex: 2, seed: 2, tags: ['sitting'] },
        { promptIndex: 9, seed: 1, tags: ['sword'] },
      ],
      context,
    );
    expect(scores.traitRecall).toEqual({ hits: 3, total: 6, missing: ['red_hair'] });
    expect(share(scores.traitRecall)).toBe(0.5);
    expect(scores.outfits).toEqual([
      { tag: 'roxshirt', prompted: { hits: 1, total: 2 }, unprompted: { hits: 1, total: 4 } },
    ]);
    expect(scores.flexibility).toEqual({
      hits: 3,
      total: 6,
      probes: [
        { group: 'pose', tag: 'sitting', hits: 2, total: 2 },
        { group: 'view', tag: 'side_view', hits: 1, total: 2 },
        { group: 'background', tag: 'outside', hits: 0, total: 2 },
      ],
    });
    expect(scores.overfitting).toEqual([{ tag: 'sword', datasetShare: 0.6, hits: 2, total: 6 }]);
    expect(scoreSummary(scores)).toBe('likeness 50% (3/6) · flexibility 50% (3/6) · 1 overfitting sign');
    expect(scoreTable(scores)).toContain('Trait recall (main tag alone): 50% (3/6) — not seen: `red_hair`');
    expect(scoreTable(scores)).toContain('`sword` unprompted 2/6 (in 60% of the dataset)');
  });

  it('reports nothing measured as a dash, not as zero', () => {
    const scores = scoreEpoch(1, [], context);
    expect(share(scores.traitRecall)).toBeNull();
    expect(scoreSummary(scores)).toBe('likeness – · flexibility – · no overfitting signs');
  });
});

describe('epoch vote', () => {
  const epochs = [1, 2, 3];
  it('counts votes for every offered epoch, zero included', () => {
    expect(
      tallyEpochVotes(
        [
          { userId: 'a', epoch: 2 },
          { userId: 'b', epoch: 2 },
          { userId: 'c', epoch: 3 },
          { userId: 'd', epoch: 9 },
        ],
        epochs,
      ),
    ).toEqual([
      { epoch: 1, votes: 0 },
      { epoch: 2, votes: 2 },
      { epoch: 3, votes: 1 },
    ]);
  });

  it('leads with the most votes, lets the owner break a tie, then prefers the later epoch', () => {
    expect(leadingEpoch([], epochs, 'owner')).toBeNull();
    expect(
      leadingEpoch(
        [
          { userId: 'a', epoch: 2 },
          { userId: 'b', epoch: 2 },
          { userId: 'owner', epoch: 3 },
        ],
        epochs,
        'owner',
      ),
    ).toBe(2);
    expect(
      leadingEpoch(
        [
          { userId: 'a', epoch: 3 },
          { userId: 'owner', epoch: 1 },
        ],
        epochs,
        'owner',
      ),
    ).toBe(1);
    expect(
      leadingEpoch(
        [
          { userId: 'a', epoch: 1 },
          { userId: 'b', epoch: 3 },
        ],
        epochs,
        'owner',
      ),
    ).toBe(3);
  });
});
