import { describe, expect, it } from 'vitest';
import {
  buildCaption,
  buildCaptionSets,
  captionTags,
  mergeCaption,
} from '../../../src/core/tags/captions.ts';
import { cleanupFlags, cleanupTags } from '../../../src/core/tags/cleanup.ts';
import { coverageReport, coverageStatus } from '../../../src/core/tags/coverage.ts';
import { doubtfulImages, findDoubtfulTags } from '../../../src/core/tags/doubtful.ts';
import { mergeImageTags } from '../../../src/core/tags/merge.ts';
import { image, images } from './given.ts';

const thresholds = { wd: 0.55, e621: 0.7 };

describe('doubtful tags', () => {
  it('flags a score within ±0.1 of its threshold, on either side', () => {
    const tags = mergeImageTags(
      {
        wd: [
          { tag: 'smile', category: 'general', score: 0.6 },
          { tag: 'frown', category: 'general', score: 0.47 },
          { tag: 'sure', category: 'general', score: 0.95 },
        ],
      },
      thresholds,
    );
    const doubtful = findDoubtfulTags(tags, { thresholds });
    expect(doubtful.map((d) => [d.tag, d.reasons, d.accepted])).toEqual([
      ['smile', ['near-threshold'], true],
      ['frown', ['near-threshold'], false],
    ]);
    expect(findDoubtfulTags(tags, { thresholds, margin: 0.05 }).map((d) => d.tag)).toEqual(['smile']);
  });

  it('flags taggers that disagree about a tag both know', () => {
    const tags = mergeImageTags(
      {
        wd: [{ tag: 'hat', category: 'general', score: 0.95 }],
        e621: [{ tag: 'blue_eyes', category: 'general', score: 0.99 }],
      },
      thresholds,
    );
    const doubtful = findDoubtfulTags(tags, {
      thresholds,
      vocabularies: { e621: new Set(['hat', 'blue_eyes']), wd: new Set(['hat']) },
    });
    expect(doubtful).toEqual([expect.objectContaining({ tag: 'hat', reasons: ['sources-disagree'] })]);
  });

  it('trusts the post’s own tags unless the image was cropped or edited', () => {
    const tags = mergeImageTags({ post: [{ tag: 'sword', category: 'general' }], e621: [] }, thresholds);
    const options = { thresholds, vocabularies: { e621: new Set(['sword']) } };
    expect(findDoubtfulTags(tags, options)).toEqual([]);
    expect(findDoubtfulTags(tags, { ...options, postTagsTrusted: false }).map((d) => d.reasons)).toEqual([
      ['sources-disagree'],
    ]);
    const pager = doubtfulImages(
      [
        { id: 1, tags, edited: true },
        { id: 2, tags },
        { id: 3, tags, edited: true, edits: { remove: ['sword'] } },
      ],
      options,
    );
    expect(pager.map((p) => p.id)).toEqual([1]);
  });

  it('refuses a margin outside 0–1', () => {
    expect(() => findDoubtfulTags([], { thresholds, margin: 2 })).toThrow(
      expect.objectContaining({ code: 'invalid-threshold' }) as Error,
    );
  });
});

describe('coverage report', () => {
  it('rates each toggleable element against the ¼–½ rule', () => {
    expect(
      ['too-rare', 'enough', 'ideal', 'ideal', 'rarely-absent'].map((s, i) => [
        s,
        coverageStatus([0.2, 0.25, 0.5, 0.75, 0.8][i] ?? 0),
      ]),
    ).toEqual([
      ['too-rare', 'too-rare'],
      ['enough', 'enough'],
      ['ideal', 'ideal'],
      ['ideal', 'ideal'],
      ['rarely-absent', 'rarely-absent'],
    ]);
    const dataset = images(
      20,
      [
        { count: 18, tags: ['red_shirt', 'crop_top'] },
        { count: 10, tags: ['hat'] },
        { count: 6, tags: ['glasses', 'blue_eyes'] },
        { count: 2, tags: ['scarf', 'headshot_portrait'] },
      ],
      ['standing', 'tan_body'],
    );
    const report = coverageReport(dataset, {
      mainTag: 'roxanne',
      decisions: {
        fold: ['tan_body'],
        keep: ['blue_eyes'],
        outfits: [
          { tag: 'roxanneshirt', components: ['red_shirt', 'crop_top'] },
          { tag: 'roxanneboots', components: ['boots'] },
        ],
      },
    });
    expect(report.total).toBe(20);
    expect(report.elements.map((e) => [e.tag, e.group, e.count, e.status])).toEqual([
      ['roxanneshirt', 'outfit', 18, 'rarely-absent'],
      ['roxanneboots', 'outfit', 0, 'too-rare'],
      ['hat', 'headwear', 10, 'ideal'],
      ['glasses', 'eyewear', 6, 'enough'],
      ['scarf', 'neckwear', 2, 'too-rare'],
    ]);
    expect(report.headshots).toEqual({ count: 2, share: 0.1 });
    expect(report.remainingTraits).toEqual([]);
  });

  it('lists trait tags still present after folding, and counts headshot crops', () => {
    const dataset = [
      image(1, ['blue_eyes', 'facial_markings'], { isHeadshot: true }),
      image(2, ['blue_eyes']),
      image(3, ['green_eyes']),
    ];
    const report = coverageReport(dataset, { mainTag: 'x', decisions: { fold: ['facial_markings'] } });
    expect(report.remainingTraits.map((t) => [t.tag, t.count])).toEqual([
      ['blue_eyes', 2],
      ['green_eyes', 1],
    ]);
    expect(report.headshots.count).toBe(1);
  });

  it("never lists another character's tag as a trait of this one (solo_focus posts with a second character)", () => {
    const dataset = [
      image(1, ['blue_eyes', 'other_char:character', 'roxanne:character']),
      image(2, ['other_char:character']),
      image(3, ['blue_eyes']),
    ];
    const report = coverageReport(dataset, { mainTag: 'roxanne' });
    expect(report.remainingTraits.map((t) => t.tag)).toEqual(['blue_eyes']);
    expect(report.otherCharacters.map((t) => [t.tag, t.count])).toEqual([['other_char', 2]]);
  });
});

describe('captions', () => {
  const picture = image(1, [
    'blue_eyes@post,wd,e621',
    'tan_body@post,e621',
    'fox:species@post,e621',
    'some_artist:artist@post',
    'krystal:character@post',
    'star_fox:copyright@post',
    'long_hair@wd',
    '^_^@wd',
    'smile@e621',
    'red_shirt@post',
    'crop_top@wd,e621',
    'digital_media_(artwork):meta@post',
    'hi_res:meta@post',
    '2019:meta@post',
    'wrong_tag@e621',
  ]);
  const decisions = {
    fold: ['tan_body'],
    drop: ['wrong_tag'],
    outfits: [{ tag: 'roxanneshirt', components: ['red_shirt', 'crop_top'] }],
  };

  it('puts the main tag first, applies decisions, orders by category and writes spaces except in kaomoji', () => {
    expect(captionTags(picture, { mainTag: 'krystal', family: 'e621', decisions })).toEqual([
      'krystal',
      'fox',
      'some artist',
      'blue eyes',
      'roxanneshirt',
      'smile',
      'digital media (artwork)',
    ]);
  });

  it('builds anime captions from WD tags (plus tags WD knows) and e621 captions from e621 tags', () => {
    const sets = buildCaptionSets([picture], {
      mainTag: 'krystal',
      decisions,
      vocabularies: { wd: new Set(['smile', 'blue_eyes']), e621: new Set(['long_hair']) },
    });
    expect(sets.anime.get(1)).toBe('krystal, blue eyes, roxanneshirt, ^_^, long hair, smile');
    expect(sets.e621.get(1)).toBe(
      'krystal, fox, some artist, blue eyes, roxanneshirt, long hair, smile, digital media (artwork)',
    );
  });

  it('adds the friends’ per-image edits to both sets and removes what they removed', () => {
    const edited = { ...picture, edits: { add: ['holding sword'], remove: ['smile', 'long_hair'] } };
    expect(buildCaption(edited, { mainTag: 'krystal', family: 'anime', decisions })).toBe(
      'krystal, blue eyes, holding sword, roxanneshirt, ^_^',
    );
  });

  it('keeps underscores when asked', () => {
    expect(
      buildCaption(picture, {
        mainTag: 'krystal',
        family: 'anime',
        decisions,
        style: { family: 'anime', separator: 'underscores' },
      }),
    ).toBe('krystal, blue_eyes, roxanneshirt, ^_^, long_hair');
  });

  it('merges new tags into an existing caption: existing first, no duplicates in either spelling', () => {
    expect(
      mergeCaption('krystal, long hair, solo', ['long_hair', 'blue_eyes', 'solo', '^_^', 'blue eyes']),
    ).toBe('krystal, long hair, solo, blue eyes, ^_^');
    expect(mergeCaption('', ['a_b'])).toBe('a b');
  });
});

describe('clean-up flags', () => {
  it('flags images whose tags say watermark, speech bubble, text… and none for clean ones', () => {
    const dataset = [
      image(1, ['watermark', 'solo']),
      image(2, ['speech_bubble', 'english_text', 'dialogue']),
      image(3, ['solo', 'smile']),
      image(4, ['patreon_logo', 'artist_name']),
      image(5, ['signature'], { edits: { remove: ['signature'] } }),
      image(6, ['url', 'web_address', 'twitter_username']),
    ];
    expect(cleanupFlags(dataset)).toEqual([
      { id: 1, tags: ['watermark'] },
      { id: 2, tags: ['dialogue', 'english_text', 'speech_bubble'] },
      { id: 4, tags: ['artist_name', 'patreon_logo'] },
      { id: 6, tags: ['twitter_username', 'url', 'web_address'] },
    ]);
  });

  it('leaves non-visual meta tags alone', () => {
    expect(cleanupTags(['commentary', 'english_commentary', 'translated', 'heart', 'Speech Bubble'])).toEqual(
      ['speech_bubble'],
    );
  });
});
