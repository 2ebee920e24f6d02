import { describe, expect, it } from 'vitest';
import {
  buildCaption,
  captionTags,
  isHousekeepingTag,
  isKaomojiLike,
} from '../../../src/core/captions/index.ts';
import type { CaptionSource } from '../../../src/core/captions/index.ts';

const post: CaptionSource = {
  rating: 'q',
  tags: {
    general: ['blue_eyes', 'looking_at_viewer', 'solo', '^_^'],
    artist: ['some_artist'],
    contributor: ['helper_person'],
    copyright: ['star_fox', 'nintendo'],
    character: ['krystal'],
    species: ['canid', 'fox'],
    invalid: ['invalid_tag'],
    meta: ['hi_res', 'digital_media_(artwork)', '2019', '16:9'],
    lore: ['female_(lore)'],
  },
};

describe('pika-compatible captions', () => {
  it('orders character, species, artist, rating, general, meta and drops the other categories', () => {
    expect(buildCaption(post)).toBe(
      'krystal, canid, fox, some artist, questionable, blue eyes, looking at viewer, solo, ^_^, digital media (artwork)',
    );
  });

  it('joins with ", " and keeps underscores when asked', () => {
    const caption = buildCaption(post, {
      replaceUnderscores: false,
      removeHousekeeping: false,
      ratingWord: false,
    });
    expect(caption).toBe(
      'krystal, canid, fox, some_artist, blue_eyes, looking_at_viewer, solo, ^_^, hi_res, digital_media_(artwork), 2019, 16:9',
    );
  });

  it('keeps the underscore of kaomoji-like tags', () => {
    expect(isKaomojiLike('^_^')).toBe(true);
    expect(isKaomojiLike('o_o')).toBe(true);
    expect(isKaomojiLike('>_<')).toBe(true);
    expect(isKaomojiLike('blue_eyes')).toBe(false);
    expect(isKaomojiLike('4_toes')).toBe(false);
    expect(
      captionTags({ rating: 's', tags: { general: ['o_o', 'u_u', '4_toes'] } }, { ratingWord: false }),
    ).toEqual(['o_o', 'u_u', '4 toes']);
  });

  it('prepends and appends tags, moving them when already present', () => {
    const caption = buildCaption(post, {
      prepend: ['solo', 'kr_lora'],
      append: ['krystal'],
      ratingWord: false,
    });
    expect(caption.startsWith('solo, kr lora, canid')).toBe(true);
    expect(caption.endsWith(', krystal')).toBe(true);
    expect(caption.split(', ').filter((tag) => tag === 'krystal')).toHaveLength(1);
  });

  it('drops tags on the remove list and housekeeping tags', () => {
    const caption = buildCaption(post, { remove: ['Blue Eyes', 'digital_media_(artwork)'] });
    expect(caption).not.toContain('blue eyes');
    expect(caption).not.toContain('digital media');
    expect(caption).not.toContain('hi res');
    expect(caption).not.toContain('2019');
    expect(isHousekeepingTag('16:9')).toBe(true);
    expect(isHousekeepingTag('absurd_res')).toBe(true);
    expect(isHousekeepingTag('solo')).toBe(false);
  });

  it('can put the rating word elsewhere, include copyright, or strip parentheses', () => {
    const caption = buildCaption(post, {
      order: ['rating', 'copyright', 'character'],
      removeParentheses: true,
    });
    expect(caption).toBe('questionable, star fox, nintendo, krystal');
    expect(
      buildCaption({ rating: 'e', tags: { meta: ['digital_media_(artwork)'] } }, { removeParentheses: true }),
    ).toBe('explicit, digital media artwork');
  });

  it('uses a custom separator', () => {
    expect(
      buildCaption(
        { rating: 's', tags: { character: ['a'], general: ['b'] } },
        { separator: ' ', ratingWord: false },
      ),
    ).toBe('a b');
  });
});
