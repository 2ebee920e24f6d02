import { canonicalTag } from './names.ts';
import type { MergedTag } from './merge.ts';
import type { ImageId, TagCategory, TagSource } from './types.ts';

/** One kept image (or crop) of a project, with its merged tags and the friends' per-image edits. */
export interface DatasetImage {
  id: ImageId;
  tags: readonly MergedTag[];
  /** A headshot crop (from the pruning vote); counted in the coverage report's headshot share. */
  isHeadshot?: boolean;
  /** Cropped or edited: the post's own tags may describe things no longer in the picture. */
  edited?: boolean;
  /** From the doubtful-tag pager: tags friends removed from this image, or added to it. */
  edits?: { add?: readonly string[]; remove?: readonly string[] };
}

/** An outfit tag standing for its component tags (the guide's `roxanneshirt` for `red_shirt, crop_top, …`). */
export interface OutfitDefinition {
  tag: string;
  components: readonly string[];
}

/** What friends decided for the whole dataset. */
export interface TagDecisions {
  /** Traits folded into the main tag: removed from captions, the main tag carries them. */
  fold?: readonly string[];
  /** Tags dropped everywhere (wrong or unwanted). */
  drop?: readonly string[];
  /** Reviewed and kept: no longer proposed or reported. */
  keep?: readonly string[];
  outfits?: readonly OutfitDefinition[];
}

export type TagOrigin = 'merged' | 'manual' | 'outfit';

/** A tag as it stands on an image after edits and decisions. */
export interface EffectiveTag {
  tag: string;
  category: TagCategory;
  sources: readonly TagSource[];
  confidence: number;
  origin: TagOrigin;
}

/** An image's tags after the friends' per-image edits (before dataset-wide decisions). */
export function tagsAfterEdits(image: DatasetImage): Map<string, EffectiveTag> {
  const removed = new Set((image.edits?.remove ?? []).map(canonicalTag));
  const tags = new Map<string, EffectiveTag>();
  for (const merged of image.tags) {
    if (!merged.accepted || removed.has(merged.tag)) continue;
    tags.set(merged.tag, {
      tag: merged.tag,
      category: merged.category,
      sources: merged.sources,
      confidence: merged.confidence,
      origin: 'merged',
    });
  }
  for (const added of image.edits?.add ?? []) {
    const tag = canonicalTag(added);
    if (tag === '' || removed.has(tag) || tags.has(tag)) continue;
    const known = image.tags.find((t) => t.tag === tag);
    tags.set(tag, {
      tag,
      category: known?.category ?? 'general',
      sources: [],
      confidence: 1,
      origin: 'manual',
    });
  }
  return tags;
}

/**
 * The rule for outfits: an image wears the outfit when it has more than half of its component tags
 * (1 of 1, 2 of 2, 2 of 3, 3 of 4, 3 of 5). Requiring all of them would miss most images, because taggers
 * and posts rarely name every piece; requiring one would turn any red shirt into the character's shirt.
 */
export function outfitApplies(presentComponents: number, componentCount: number): boolean {
  return componentCount > 0 && presentComponents * 2 > componentCount;
}

/**
 * An image's tags after edits, drops, folds and outfit replacement — what its captions are built from.
 * The main tag is not included (captions put it first themselves).
 */
export function effectiveTags(
  image: DatasetImage,
  mainTag: string,
  decisions: TagDecisions = {},
): EffectiveTag[] {
  const main = canonicalTag(mainTag);
  const tags = tagsAfterEdits(image);
  tags.delete(main);
  for (const tag of [...(decisions.drop ?? []), ...(decisions.fold ?? [])]) tags.delete(canonicalTag(tag));
  for (const outfit of decisions.outfits ?? []) {
    const components = outfit.components.map(canonicalTag);
    const present = components.filter((c) => tags.has(c));
    if (!outfitApplies(present.length, components.length)) continue;
    for (const component of present) tags.delete(component);
    const tag = canonicalTag(outfit.tag);
    if (!tags.has(tag))
      tags.set(tag, { tag, category: 'general', sources: [], confidence: 1, origin: 'outfit' });
  }
  return [...tags.values()];
}

/** How many images carry each tag (after edits, before decisions). */
export function tagCounts(
  images: readonly DatasetImage[],
): Map<string, { count: number; category: TagCategory }> {
  const counts = new Map<string, { count: number; category: TagCategory }>();
  for (const image of images) {
    for (const tag of tagsAfterEdits(image).values()) {
      const entry = counts.get(tag.tag);
      if (entry) entry.count += 1;
      else counts.set(tag.tag, { count: 1, category: tag.category });
    }
  }
  return counts;
}
