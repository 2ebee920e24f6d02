import { isHousekeepingTag } from '../captions/index.ts';
import { effectiveTags, type DatasetImage, type EffectiveTag, type TagDecisions } from './dataset.ts';
import { canonicalTag, captionName } from './names.ts';
import { captionStyleFor, spellTag, type CaptionStyle } from './spelling.ts';
import type { ImageId, ModelFamily, TagCategory, TaggerName } from './types.ts';

/**
 * Caption category order after the main tag (pika's order, which existing recipes expect). Categories not
 * listed (copyright, lore, invalid, contributor, rating) are left out, as pika does by default.
 */
export const CAPTION_CATEGORY_ORDER: readonly TagCategory[] = [
  'character',
  'species',
  'artist',
  'general',
  'meta',
];

export interface CaptionOptions {
  mainTag: string;
  family: ModelFamily;
  decisions?: TagDecisions;
  /**
   * Each tagger's full tag list. A tag from another source joins a family's captions when that family's
   * tagger knows it (e.g. the post's `blue_eyes` is a Danbooru tag too, so anime captions keep it).
   */
  vocabularies?: Partial<Record<TaggerName, ReadonlySet<string>>>;
  categoryOrder?: readonly TagCategory[];
  /** How the base model's captions spell tags (default: the family's style, as sample prompts use). */
  style?: CaptionStyle;
  /** Drop tags about the upload rather than the picture (`hi_res`, years…), as the fetch captions do (default true). */
  removeHousekeeping?: boolean;
}

const FAMILY_TAGGER: Record<ModelFamily, TaggerName> = { anime: 'wd', e621: 'e621' };

/**
 * Which caption set a tag belongs to. The guide's author wanted "two separate caption files for each image
 * (one caption file specific to each base model)": anime models were trained on Danbooru tags, furry models
 * on e621 tags, and a tag a model never saw only dilutes the caption. So:
 * - anime: WD tagger tags, plus post/e621-tagger tags that WD's vocabulary also has;
 * - e621: the post's tags and e621 tagger tags, plus WD tags that the e621 tagger's vocabulary also has;
 * - both: the main tag, outfit tags and tags friends added by hand.
 */
export function tagInFamily(
  tag: EffectiveTag,
  family: ModelFamily,
  vocabularies?: Partial<Record<TaggerName, ReadonlySet<string>>>,
): boolean {
  if (tag.origin !== 'merged') return true;
  const tagger = FAMILY_TAGGER[family];
  if (tag.sources.includes(tagger)) return true;
  if (family === 'e621' && tag.sources.includes('post')) return true;
  return vocabularies?.[tagger]?.has(tag.tag) ?? false;
}

/**
 * One image's caption tags, in caption form: the main tag first (keep_tokens=1 keeps it in place while the
 * rest shuffle), then the tags left after edits, folds, drops and outfits, in category order, most confident
 * first, without duplicates, each spelled by the base model's caption style (`spellTag`).
 */
export function captionTags(image: DatasetImage, options: CaptionOptions): string[] {
  const order = options.categoryOrder ?? CAPTION_CATEGORY_ORDER;
  const style = options.style ?? captionStyleFor(options.family);
  const rank = (category: TagCategory) => order.indexOf(category);
  const housekeeping = options.removeHousekeeping ?? true;
  const tags = effectiveTags(image, options.mainTag, options.decisions)
    .filter((tag) => rank(tag.category) >= 0 && tagInFamily(tag, options.family, options.vocabularies))
    .filter((tag) => !(housekeeping && tag.origin === 'merged' && isHousekeepingTag(tag.tag)))
    .sort(
      (a, b) =>
        rank(a.category) - rank(b.category) || b.confidence - a.confidence || a.tag.localeCompare(b.tag),
    );
  const seen = new Set<string>();
  const caption: string[] = [];
  for (const tag of [canonicalTag(options.mainTag), ...tags.map((t) => t.tag)]) {
    const name = spellTag(tag, style);
    if (seen.has(name)) continue;
    seen.add(name);
    caption.push(name);
  }
  return caption;
}

export function buildCaption(image: DatasetImage, options: CaptionOptions): string {
  return captionTags(image, options).join(', ');
}

/** One caption per image for each base-model family. */
export function buildCaptionSets(
  images: readonly DatasetImage[],
  options: Omit<CaptionOptions, 'family'>,
): Record<ModelFamily, Map<ImageId, string>> {
  const sets: Record<ModelFamily, Map<ImageId, string>> = { anime: new Map(), e621: new Map() };
  for (const image of images) {
    for (const family of ['anime', 'e621'] as const) {
      sets[family].set(image.id, buildCaption(image, { ...options, family }));
    }
  }
  return sets;
}

/** Splits a caption file's text into its tags (comma separated, blanks dropped). */
export function parseCaption(text: string): string[] {
  return text
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag.length > 0);
}

/**
 * Adds tagger tags to an existing caption: the existing tags stay first and in their order (someone chose
 * them), new ones follow, and a tag already present in either spelling (`long_hair` / `long hair`) is not
 * added again.
 */
export function mergeCaption(
  existing: string,
  additions: readonly string[],
  replaceUnderscores = true,
): string {
  const tags = parseCaption(existing);
  const seen = new Set(tags.map(canonicalTag));
  for (const addition of additions) {
    const tag = canonicalTag(addition);
    if (tag === '' || seen.has(tag)) continue;
    seen.add(tag);
    tags.push(captionName(tag, replaceUnderscores));
  }
  return tags.join(', ');
}
