import { canonicalTag } from './names.ts';
import { thresholdFor, validateThresholds } from './thresholds.ts';
import type { PostTag, ScoredTag, TagCategory, TaggerName, TaggerThresholds, TagSource } from './types.ts';

/** Everything known about one image's tags before any decision: the post's tags and each tagger's scores. */
export interface TagEvidence {
  post?: readonly PostTag[];
  wd?: readonly ScoredTag[];
  e621?: readonly ScoredTag[];
}

/** One tag of one image, remembering who put it there and how sure they were. */
export interface MergedTag {
  tag: string;
  category: TagCategory;
  /** Sources that put the tag on the image: the post, or a tagger scoring above its threshold. */
  sources: TagSource[];
  /** Every tagger score seen, including near misses below the threshold (kept to spot doubtful tags). */
  scores: Partial<Record<TaggerName, number>>;
  /** 1 for the post's own tags (human-made), else the best accepted tagger score; the best score if none. */
  confidence: number;
  /** True when at least one source put the tag on the image. */
  accepted: boolean;
}

/** The e621 category wins over a tagger's: the post was tagged by people, WD only knows general/character. */
const CATEGORY_PRIORITY: readonly TagSource[] = ['post', 'e621', 'wd'];

/**
 * Merges the post's own tags with both taggers' (guide: the downloaded tags are "reasonably accurate … but not
 * necessarily complete", so the taggers augment them). A tagger's tag counts when its score is strictly above
 * that tagger's threshold (`>`, as in the WD author's own code).
 */
export function mergeImageTags(evidence: TagEvidence, thresholds: TaggerThresholds): MergedTag[] {
  validateThresholds(thresholds);
  const byTag = new Map<string, { categories: Partial<Record<TagSource, TagCategory>>; tag: MergedTag }>();
  const entry = (name: string) => {
    const tag = canonicalTag(name);
    let found = byTag.get(tag);
    if (!found) {
      found = {
        categories: {},
        tag: { tag, category: 'general', sources: [], scores: {}, confidence: 0, accepted: false },
      };
      byTag.set(tag, found);
    }
    return found;
  };

  for (const post of evidence.post ?? []) {
    const found = entry(post.tag);
    found.categories.post ??= post.category;
    if (!found.tag.sources.includes('post')) found.tag.sources.push('post');
  }
  for (const tagger of ['wd', 'e621'] as const) {
    for (const scored of evidence[tagger] ?? []) {
      if (scored.category === 'rating') continue;
      const found = entry(scored.tag);
      found.categories[tagger] ??= scored.category;
      const previous = found.tag.scores[tagger];
      if (previous === undefined || scored.score > previous) found.tag.scores[tagger] = scored.score;
    }
  }

  const merged: MergedTag[] = [];
  for (const { categories, tag } of byTag.values()) {
    const source = CATEGORY_PRIORITY.find((s) => categories[s] !== undefined);
    tag.category = source ? (categories[source] ?? 'general') : 'general';
    let best = tag.sources.includes('post') ? 1 : 0;
    let bestSeen = best;
    for (const tagger of ['wd', 'e621'] as const) {
      const score = tag.scores[tagger];
      if (score === undefined) continue;
      bestSeen = Math.max(bestSeen, score);
      const categoryForThreshold = categories[tagger] ?? tag.category;
      if (score > thresholdFor(thresholds, tagger, categoryForThreshold)) {
        tag.sources.push(tagger);
        best = Math.max(best, score);
      }
    }
    tag.accepted = tag.sources.length > 0;
    tag.confidence = tag.accepted ? best : bestSeen;
    merged.push(tag);
  }
  return merged.sort((a, b) => b.confidence - a.confidence || a.tag.localeCompare(b.tag));
}

/** The tags an image actually carries (accepted by at least one source). */
export function acceptedTags(tags: readonly MergedTag[]): MergedTag[] {
  return tags.filter((tag) => tag.accepted);
}
