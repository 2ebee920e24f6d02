import { describe, expect, it } from 'vitest';
import { effectiveTags, outfitApplies } from '../../../src/core/tags/dataset.ts';
import { proposeFolds, validateFold } from '../../../src/core/tags/folds.ts';
import { matchOutfit, suggestOutfits, validateOutfit } from '../../../src/core/tags/outfits.ts';
import { image, images } from './given.ts';

describe('proposeFolds', () => {
  const dataset = images(
    10,
    [
      { count: 10, tags: ['blue_eyes', 'tan_body', 'solo', 'retsuko:character'] },
      { count: 7, tags: ['facial_markings', 'red_panda:species'] },
      { count: 6, tags: ['black_nose', 'smile'] },
    ],
    ['standing'],
  );

  it('proposes trait tags on at least 70% of kept images, most common first', () => {
    const proposals = proposeFolds(dataset, { mainTag: 'retsuko' });
    expect(proposals.map((p) => [p.tag, p.group, p.share])).toEqual([
      ['blue_eyes', 'eye-colour', 1],
      ['tan_body', 'body-colour', 1],
      ['facial_markings', 'markings', 0.7],
      ['red_panda', 'species', 0.7],
    ]);
  });

  it('never proposes the main tag, non-traits, or tags already decided', () => {
    const proposals = proposeFolds(dataset, {
      mainTag: 'retsuko',
      decisions: {
        keep: ['blue_eyes'],
        drop: ['tan_body'],
        outfits: [{ tag: 'x_outfit', components: ['facial_markings'] }],
      },
    });
    expect(proposals.map((p) => p.tag)).toEqual(['red_panda']);
  });

  it('uses a configurable share', () => {
    expect(proposeFolds(dataset, { mainTag: 'retsuko', minShare: 0.6 }).map((p) => p.tag)).toContain(
      'black_nose',
    );
    expect(() => proposeFolds(dataset, { mainTag: 'retsuko', minShare: 1.5 })).toThrow(
      expect.objectContaining({ code: 'invalid-threshold' }) as Error,
    );
  });

  it('proposes the character’s own e621 tag when the main tag differs', () => {
    const proposals = proposeFolds(dataset, { mainTag: 'retsuko_(aggretsuko)' });
    expect(proposals.find((p) => p.tag === 'retsuko')?.group).toBe('character');
  });
});

describe('validateFold', () => {
  it('refuses to fold the main tag into itself', () => {
    expect(() => validateFold('Retsuko', { mainTag: 'retsuko' })).toThrow(
      expect.objectContaining({
        code: 'invalid-tag',
        message: expect.stringMatching(/main tag itself/) as string,
      }) as Error,
    );
  });

  it('refuses to fold an outfit tag into the main tag', () => {
    expect(() => validateFold('roxanneshirt', { mainTag: 'roxanne', outfitTags: ['roxanneshirt'] })).toThrow(
      expect.objectContaining({
        code: 'invalid-tag',
        message: expect.stringMatching(/outfit tag/) as string,
      }) as Error,
    );
  });

  it('accepts a trait and returns its canonical form', () => {
    expect(validateFold('Blue Eyes', { mainTag: 'roxanne' })).toBe('blue_eyes');
  });
});

describe('outfits', () => {
  const context = {
    mainTag: 'roxanne',
    datasetTags: new Set(['red_shirt', 'crop_top', 'leaf_print', 'shirt']),
  };

  it('accepts a new e621-style outfit tag with its components', () => {
    expect(
      validateOutfit({ tag: 'RoxanneShirt', components: ['red shirt', 'crop_top', 'leaf_print'] }, context),
    ).toEqual({
      tag: 'roxanneshirt',
      components: ['red_shirt', 'crop_top', 'leaf_print'],
    });
  });

  it.each([
    ['the main tag', { tag: 'roxanne', components: ['red_shirt'] }, /main tag/],
    ['a trait', { tag: 'blue_eyes', components: ['red_shirt'] }, /trait/],
    ['a folded tag', { tag: 'my_folded_thing', components: ['red_shirt'] }, /trait/],
    ['an existing dataset tag', { tag: 'shirt', components: ['red_shirt'] }, /already a tag/],
    ['a tag with a comma', { tag: 'a,b', components: ['red_shirt'] }, /comma/],
    ['a search operator', { tag: 'order:score', components: ['red_shirt'] }, /search operator/],
    ['no components', { tag: 'roxanneshirt', components: [] }, /at least one/],
    ['itself as a component', { tag: 'roxanneshirt', components: ['roxanneshirt'] }, /itself/],
    [
      'the main tag as a component',
      { tag: 'roxanneshirt', components: ['roxanne'] },
      /must stay on every image/,
    ],
  ])('refuses %s', (_, input, message) => {
    expect(() => validateOutfit(input, { ...context, folded: ['my_folded_thing'] })).toThrow(
      expect.objectContaining({
        code: 'invalid-tag',
        message: expect.stringMatching(message) as string,
      }) as Error,
    );
  });

  it('allows redefining an existing outfit whose tag is now in the dataset', () => {
    const existing = [{ tag: 'roxanneshirt', components: ['red_shirt'] }];
    const redefined = validateOutfit(
      { tag: 'roxanneshirt', components: ['red_shirt', 'crop_top'] },
      { ...context, datasetTags: new Set([...context.datasetTags, 'roxanneshirt']), outfits: existing },
    );
    expect(redefined.components).toEqual(['red_shirt', 'crop_top']);
  });

  it('applies to images with more than half of the components', () => {
    expect(
      [1, 2, 3, 4, 5].map((n) => [
        outfitApplies(Math.floor(n / 2) + 1, n),
        outfitApplies(Math.floor(n / 2), n),
      ]),
    ).toEqual([
      [true, false],
      [true, false],
      [true, false],
      [true, false],
      [true, false],
    ]);
    const outfit = { tag: 'roxanneshirt', components: ['red_shirt', 'crop_top', 'leaf_print'] };
    const dataset = [
      image(1, ['red_shirt', 'crop_top', 'leaf_print']),
      image(2, ['red_shirt', 'crop_top']),
      image(3, ['red_shirt']),
      image(4, ['jacket']),
    ];
    expect(matchOutfit(dataset, outfit)).toEqual({ applied: [1, 2], partial: [3] });
    const tags = (i: number) =>
      effectiveTags(dataset[i] ?? image(0, []), 'roxanne', { outfits: [outfit] })
        .map((t) => t.tag)
        .sort();
    expect(tags(1)).toEqual(['roxanneshirt']);
    expect(tags(2)).toEqual(['red_shirt']);
  });

  it('suggests clothing tags that keep appearing together as an outfit', () => {
    const dataset = images(
      8,
      [
        { count: 5, tags: ['red_shirt', 'crop_top', 'leaf_print'] },
        { count: 2, tags: ['hat'] },
      ],
      ['standing'],
    );
    const suggestions = suggestOutfits(dataset);
    expect(suggestions).toEqual([{ components: ['crop_top', 'red_shirt'], count: 5, share: 5 / 8 }]);
  });
});
