import { describe, expect, it } from 'vitest';
import { buildCaption, parseCaption } from '../../src/core/tags/captions.ts';
import { captionStyleFor, spellTag } from '../../src/core/tags/spelling.ts';
import { MODEL_FAMILIES } from '../../src/core/tags/types.ts';
import { captionMainTag, captionsForDataset } from '../../src/training/captions.ts';
import type { DatasetEntry } from '../../src/training/dataset.ts';
import { EMPTY_EPOCH_CHECK_PROJECT, planEpochCheck } from '../../src/training/epoch-check.ts';
import { image } from '../core/tags/given.ts';

/** Issue 12, point 1: the samples must prompt the words the LoRA was trained on, for every family. */

const MAIN_TAG = 'aurelia_(skyfall)';

function entry(tags: DatasetEntry['tags']): DatasetEntry {
  return {
    name: '101',
    candidateId: 1,
    postId: 101,
    rank: 1,
    kind: 'image',
    crop: null,
    width: 800,
    height: 1000,
    imagePath: null,
    replaced: false,
    tags,
    rating: 's',
  };
}

describe('captions and sample prompts spell tags by one rule', () => {
  it('an e621-tag model: the main tag with parentheses and an underscore, and the probes, read as the captions do', () => {
    const style = captionStyleFor('e621');
    const mainTag = captionMainTag(MAIN_TAG, style);
    expect(mainTag).toBe('aurelia (skyfall)');
    const caption = captionsForDataset(
      [entry({ character: [MAIN_TAG], general: ['side_view', 'long_hair'] })],
      {
        mainTag: MAIN_TAG,
        tagStyle: 'e621',
      },
    ).get('101')!;
    expect(parseCaption(caption).slice(0, 1)).toEqual(['aurelia (skyfall)']);
    expect(caption).toContain('side view');

    const check = planEpochCheck({
      mainTag,
      family: 'e621',
      ownerPrompts: [],
      project: EMPTY_EPOCH_CHECK_PROJECT,
    });
    expect(check.planned.map((p) => p.prompt)).toEqual([
      'aurelia (skyfall)',
      'aurelia (skyfall), sitting, side view, outside',
    ]);
    for (const prompt of check.planned) expect(prompt.prompt).not.toContain('_');
  });

  it.each(MODEL_FAMILIES)(
    'for %s models every prompt tag is spelled as the tagging captions spell it',
    (family) => {
      const style = captionStyleFor(family);
      const probes =
        family === 'anime' ? ['sitting', 'from_side', 'outdoors'] : ['sitting', 'side_view', 'outside'];
      const tagged = image(
        1,
        probes.map((tag) => `${tag}@post,wd,e621`),
      );
      const caption = parseCaption(buildCaption(tagged, { mainTag: MAIN_TAG, family }));
      const check = planEpochCheck({
        mainTag: captionMainTag(MAIN_TAG, style),
        family,
        ownerPrompts: [],
        project: EMPTY_EPOCH_CHECK_PROJECT,
      });
      const flexibility = check.planned.find((p) => p.kind === 'flexibility')!;
      expect(flexibility.prompt.split(', ').sort()).toEqual([...caption].sort());
      expect(caption[0]).toBe(spellTag(MAIN_TAG, style));
    },
  );

  it('a style that keeps underscores keeps them in captions and prompts alike', () => {
    const style = { family: 'e621' as const, separator: 'underscores' as const };
    const caption = buildCaption(image(1, ['side_view']), { mainTag: MAIN_TAG, family: 'e621', style });
    expect(caption).toBe('aurelia_(skyfall), side_view');
    expect(captionMainTag(MAIN_TAG, style)).toBe('aurelia_(skyfall)');
    expect(spellTag('^_^', captionStyleFor('anime'))).toBe('^_^');
  });
});
