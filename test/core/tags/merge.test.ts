import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.ts';
import { mergeImageTags } from '../../../src/core/tags/merge.ts';
import {
  canonicalTag,
  captionName,
  normalizeUserTag,
  validateThreshold,
} from '../../../src/core/tags/names.ts';
import { DEFAULT_THRESHOLDS, thresholdFor, WD_THRESHOLD_PRESETS } from '../../../src/core/tags/thresholds.ts';

const thresholds = { wd: 0.55, e621: 0.7 };

describe('mergeImageTags', () => {
  it('remembers every source and its confidence for each tag', () => {
    const tags = mergeImageTags(
      {
        post: [{ tag: 'blue_eyes', category: 'general' }],
        wd: [
          { tag: 'blue_eyes', category: 'general', score: 0.8 },
          { tag: 'long_hair', category: 'general', score: 0.6 },
        ],
        e621: [{ tag: 'blue_eyes', category: 'general', score: 0.9 }],
      },
      thresholds,
    );
    const blue = tags.find((t) => t.tag === 'blue_eyes');
    expect(blue).toMatchObject({
      sources: ['post', 'wd', 'e621'],
      scores: { wd: 0.8, e621: 0.9 },
      confidence: 1,
    });
    expect(tags.find((t) => t.tag === 'long_hair')).toMatchObject({
      sources: ['wd'],
      confidence: 0.6,
      accepted: true,
    });
  });

  it('accepts a tagger tag only strictly above that tagger’s threshold', () => {
    const tags = mergeImageTags(
      {
        wd: [
          { tag: 'at_threshold', category: 'general', score: 0.55 },
          { tag: 'above', category: 'general', score: 0.5501 },
        ],
        e621: [{ tag: 'e621_below', category: 'general', score: 0.65 }],
      },
      thresholds,
    );
    expect(tags.find((t) => t.tag === 'at_threshold')?.accepted).toBe(false);
    expect(tags.find((t) => t.tag === 'above')?.accepted).toBe(true);
    expect(tags.find((t) => t.tag === 'e621_below')).toMatchObject({
      accepted: false,
      sources: [],
      confidence: 0.65,
    });
  });

  it('applies the character threshold to character tags', () => {
    const tags = mergeImageTags(
      { wd: [{ tag: 'hatsune_miku', category: 'character', score: 0.8 }] },
      { ...thresholds, wdCharacter: 0.85 },
    );
    expect(tags[0]?.accepted).toBe(false);
    expect(thresholdFor({ ...thresholds, wdCharacter: 0.85 }, 'wd', 'general')).toBe(0.55);
  });

  it('takes the e621 category over WD’s, and the post’s over both', () => {
    const tags = mergeImageTags(
      {
        wd: [{ tag: 'fox', category: 'general', score: 0.9 }],
        e621: [{ tag: 'fox', category: 'species', score: 0.9 }],
        post: [{ tag: 'krystal', category: 'character' }],
      },
      thresholds,
    );
    expect(tags.find((t) => t.tag === 'fox')?.category).toBe('species');
    expect(tags.find((t) => t.tag === 'krystal')?.category).toBe('character');
  });

  it('matches spaced tagger names with underscored post tags, and ignores rating rows', () => {
    const tags = mergeImageTags(
      {
        post: [{ tag: 'long_hair', category: 'general' }],
        wd: [
          { tag: 'long hair', category: 'general', score: 0.9 },
          { tag: 'explicit', category: 'rating', score: 0.99 },
        ],
      },
      thresholds,
    );
    expect(tags.map((t) => t.tag)).toEqual(['long_hair']);
    expect(tags[0]?.sources).toEqual(['post', 'wd']);
  });

  it('refuses a threshold outside 0–1', () => {
    expect(() => mergeImageTags({}, { wd: 1.5, e621: 0.7 })).toThrow(UserError);
    try {
      mergeImageTags({}, { wd: 0.5, e621: -0.1 });
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid-threshold' });
      expect((error as Error).message).toMatch(/-0\.1/);
    }
  });
});

describe('tag names', () => {
  it('turns underscores into spaces except in kaomoji', () => {
    expect(captionName('long_hair')).toBe('long hair');
    expect(captionName('^_^')).toBe('^_^');
    expect(captionName('>_<')).toBe('>_<');
    expect(captionName('||_||')).toBe('||_||');
    expect(captionName('long_hair', false)).toBe('long_hair');
  });

  it('canonicalises to lower case with underscores', () => {
    expect(canonicalTag('  Long Hair ')).toBe('long_hair');
  });

  it('validates user tags with a clear invalid-tag error', () => {
    expect(normalizeUserTag('Roxanne Shirt')).toBe('roxanne_shirt');
    for (const bad of ['', 'a,b', 'order:score', '-negated', 'x'.repeat(65), 'emoji💥']) {
      expect(() => normalizeUserTag(bad)).toThrow(expect.objectContaining({ code: 'invalid-tag' }) as Error);
    }
  });

  it('validates thresholds as numbers from 0 to 1', () => {
    expect(validateThreshold(0)).toBe(0);
    expect(validateThreshold(1)).toBe(1);
    for (const bad of [-0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => validateThreshold(bad)).toThrow(
        expect.objectContaining({ code: 'invalid-threshold' }) as Error,
      );
    }
  });

  it('offers the guide’s WD presets and the e621 tagger default', () => {
    expect(WD_THRESHOLD_PRESETS).toEqual({
      'close-to-anime': 0.4,
      'in-between': 0.55,
      'feral-scalies-imps': 0.7,
    });
    expect(DEFAULT_THRESHOLDS.e621).toBe(0.7);
  });
});
