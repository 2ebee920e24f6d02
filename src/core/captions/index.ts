import { RATING_WORDS, type PostTags, type Rating, type TagCategory } from '../query/post.ts';
import { normalizeTag } from '../query/tags.ts';

/**
 * pika-compatible captions: one line of tags in category order, so existing LoRA recipes transfer.
 * pika's order is character, species, artist, rating word, general, meta; categories not listed
 * (copyright, lore, invalid, contributor) are dropped.
 */

export const CAPTION_PARTS = [
  'character',
  'species',
  'artist',
  'rating',
  'general',
  'meta',
  'copyright',
  'lore',
  'invalid',
  'contributor',
] as const satisfies readonly (TagCategory | 'rating')[];
export type CaptionPart = (typeof CAPTION_PARTS)[number];

export interface CaptionOptions {
  /** Parts in caption order; a category not listed is left out. */
  order: CaptionPart[];
  separator: string;
  /** Base models trained on natural text read "blue eyes" better than "blue_eyes" (the guide sets this). */
  replaceUnderscores: boolean;
  removeParentheses: boolean;
  /** Put first (the main tag goes here, so keep_tokens=1 keeps it in place). Moved if already present. */
  prepend: string[];
  /** Put last. Moved if already present. */
  append: string[];
  /** Tags to drop, in e621 form. */
  remove: string[];
  /** Also drop housekeeping tags that say nothing about the picture (resolution, years, aspect ratios…). */
  removeHousekeeping: boolean;
  /** Add `safe` / `questionable` / `explicit` where `rating` sits in `order` (pika does by default). */
  ratingWord: boolean;
}

export const DEFAULT_CAPTION_ORDER: CaptionPart[] = [
  'character',
  'species',
  'artist',
  'rating',
  'general',
  'meta',
];

export const DEFAULT_CAPTION_OPTIONS: CaptionOptions = Object.freeze({
  order: DEFAULT_CAPTION_ORDER,
  separator: ', ',
  replaceUnderscores: true,
  removeParentheses: false,
  prepend: [],
  append: [],
  remove: [],
  removeHousekeeping: true,
  ratingWord: true,
});

/** Tags about the file or the site rather than the picture (pika ships a similar remove list). */
export const HOUSEKEEPING_TAGS: ReadonlySet<string> = new Set([
  'hi_res',
  'absurd_res',
  'superabsurd_res',
  'low_res',
  '4k',
  'source_request',
  'translation_request',
  'translation_check',
  'translated',
  'partially_translated',
  'better_version_at_source',
  'conditional_dnp',
  'unknown_artist',
  'alpha_channel',
  'thumbnail',
  'invalid_tag',
  'invalid_background',
  'tagme',
  'missing_artist',
]);

/** Years (`2019`) and aspect ratios (`16:9`) describe the upload, not the image. */
export function isHousekeepingTag(tag: string): boolean {
  return HOUSEKEEPING_TAGS.has(tag) || /^(19|20)\d\d$/.test(tag) || /^\d+:\d+$/.test(tag);
}

/**
 * Kaomoji such as `^_^`, `o_o` or `>_<` keep their underscore: it is the mouth. A tag counts as one when
 * no run of letters or digits in it is longer than one character.
 */
export function isKaomojiLike(tag: string): boolean {
  if (!tag.includes('_')) return false;
  const runs = tag.match(/[a-z0-9]+/gi) ?? [];
  return runs.every((run) => run.length <= 1);
}

function presentTag(tag: string, options: CaptionOptions): string {
  let text = tag;
  if (options.replaceUnderscores && !isKaomojiLike(text)) text = text.replace(/_/g, ' ');
  if (options.removeParentheses) text = text.replace(/[()]/g, '').replace(/\s+/g, ' ').trim();
  return text;
}

export interface CaptionSource {
  tags: PostTags;
  rating: Rating;
}

/** The ordered tag list of one caption, before joining. */
export function captionTags(source: CaptionSource, overrides: Partial<CaptionOptions> = {}): string[] {
  const options: CaptionOptions = { ...DEFAULT_CAPTION_OPTIONS, ...overrides };
  const removed = new Set(options.remove.map(normalizeTag));
  const body: string[] = [];
  for (const part of options.order) {
    if (part === 'rating') {
      if (options.ratingWord) body.push(RATING_WORDS[source.rating]);
      continue;
    }
    for (const tag of source.tags[part] ?? []) {
      if (removed.has(tag) || (options.removeHousekeeping && isHousekeepingTag(tag))) continue;
      body.push(presentTag(tag, options));
    }
  }
  const prepend = options.prepend.map((tag) => presentTag(tag.trim(), options)).filter(Boolean);
  const append = options.append.map((tag) => presentTag(tag.trim(), options)).filter(Boolean);
  const moved = new Set([...prepend, ...append]);
  const seen = new Set<string>();
  const result: string[] = [];
  for (const tag of [...prepend, ...body.filter((tag) => !moved.has(tag)), ...append]) {
    if (tag === '' || seen.has(tag)) continue;
    seen.add(tag);
    result.push(tag);
  }
  return result;
}

/** One caption line, pika-style: tags joined by `, ` in category order. */
export function buildCaption(source: CaptionSource, overrides: Partial<CaptionOptions> = {}): string {
  const separator = overrides.separator ?? DEFAULT_CAPTION_OPTIONS.separator;
  return captionTags(source, overrides).join(separator);
}
