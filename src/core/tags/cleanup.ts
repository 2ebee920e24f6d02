import { tagsAfterEdits, type DatasetImage } from './dataset.ts';
import { canonicalTag } from './names.ts';
import type { ImageId } from './types.ts';

/**
 * Tags that mean an image needs a clean-up edit before training (guide, step 4 "Clarity": an artist's
 * signature or watermark in a corner, text, dialogue or speech bubbles are "elements I want to edit out").
 * e621 and Danbooru spellings. Non-visual meta tags (`commentary`, `translated`…) are not here on purpose.
 */
export const CLEANUP_TAG_NAMES: ReadonlySet<string> = new Set([
  'watermark',
  'signature',
  'artist_name',
  'artist_logo',
  'text',
  'dialogue',
  'speech_bubble',
  'thought_bubble',
  'logo',
  'url',
  'web_address',
  'username',
  'dated',
  'copyright_name',
  'character_name',
  'subtitled',
  'patreon_logo',
  'twitter_logo',
  'sound_effects',
  'onomatopoeia',
]);

export const CLEANUP_TAG_PATTERNS: readonly RegExp[] = [
  /_text$/,
  /_watermark$/,
  /_signature$/,
  /_logo$/,
  /_username$/,
  /_url$/,
  /_(?:speech|thought)_bubble$/,
  /^(?:patreon|twitter|pixiv|deviantart|fur_affinity|furaffinity|instagram|tumblr)_(?:logo|username|handle|link)$/,
];

/** The clean-up tags among these, in canonical form. */
export function cleanupTags(tags: Iterable<string>): string[] {
  const found: string[] = [];
  for (const name of tags) {
    const tag = canonicalTag(name);
    if (CLEANUP_TAG_NAMES.has(tag) || CLEANUP_TAG_PATTERNS.some((pattern) => pattern.test(tag)))
      found.push(tag);
  }
  return [...new Set(found)].sort();
}

/**
 * Images whose tags say watermark, signature, text, speech bubble… with the matching tags, so friends can
 * crop or upload a cleaned version before training. Tags friends removed from an image do not count.
 */
export function cleanupFlags(images: readonly DatasetImage[]): Array<{ id: ImageId; tags: string[] }> {
  const flags: Array<{ id: ImageId; tags: string[] }> = [];
  for (const image of images) {
    const tags = cleanupTags(tagsAfterEdits(image).keys());
    if (tags.length > 0) flags.push({ id: image.id, tags });
  }
  return flags;
}
