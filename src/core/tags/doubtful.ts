import type { DatasetImage } from './dataset.ts';
import type { MergedTag } from './merge.ts';
import { DEFAULT_DOUBT_MARGIN, thresholdFor, validateThresholds } from './thresholds.ts';
import type { ImageId, TaggerName, TaggerThresholds } from './types.ts';
import { canonicalTag, validateThreshold } from './names.ts';

export type DoubtReason = 'near-threshold' | 'sources-disagree';

export interface DoubtfulTag {
  tag: string;
  reasons: DoubtReason[];
  /** Whether the tag is currently on the image. */
  accepted: boolean;
  scores: MergedTag['scores'];
  sources: MergedTag['sources'];
}

export interface DoubtOptions {
  thresholds: TaggerThresholds;
  /** A score within ± this of its threshold is doubtful (default 0.1). */
  margin?: number;
  /**
   * Each tagger's full tag list. A tag in a tagger's vocabulary with no reported score scored below
   * threshold − margin (the tagger adapter reports everything above that), so the tagger says "no".
   */
  vocabularies?: Partial<Record<TaggerName, ReadonlySet<string>>>;
}

/**
 * Tags worth a human look (guide: "auto-tagging is never super accurate and tends to require some cleanup"):
 * a tagger's score within ±margin of its threshold, or sources that disagree — one source puts the tag on the
 * image while a tagger that knows the tag does not. The post's own tags are trusted unless the image was
 * cropped or edited (the guide's exception), in which case a tagger saying "no" makes them doubtful too.
 */
export function findDoubtfulTags(
  tags: readonly MergedTag[],
  options: DoubtOptions & { postTagsTrusted?: boolean },
): DoubtfulTag[] {
  validateThresholds(options.thresholds);
  const margin = validateThreshold(options.margin ?? DEFAULT_DOUBT_MARGIN, 'doubt margin');
  const trustPost = options.postTagsTrusted ?? true;
  const doubtful: DoubtfulTag[] = [];
  for (const tag of tags) {
    const onPost = tag.sources.includes('post');
    if (onPost && trustPost) continue;
    const reasons: DoubtReason[] = [];
    const says: Partial<Record<TaggerName, boolean>> = {};
    for (const tagger of ['wd', 'e621'] as const) {
      const threshold = thresholdFor(options.thresholds, tagger, tag.category);
      const score = tag.scores[tagger];
      if (score !== undefined) {
        says[tagger] = score > threshold;
        if (Math.abs(score - threshold) <= margin && !reasons.includes('near-threshold')) {
          reasons.push('near-threshold');
        }
      } else if (options.vocabularies?.[tagger]?.has(tag.tag)) {
        says[tagger] = false;
      }
    }
    const yes = onPost || says.wd === true || says.e621 === true;
    const no = says.wd === false || says.e621 === false;
    if (yes && no) reasons.push('sources-disagree');
    if (reasons.length > 0) {
      doubtful.push({
        tag: tag.tag,
        reasons,
        accepted: tag.accepted,
        scores: tag.scores,
        sources: tag.sources,
      });
    }
  }
  return doubtful;
}

/** Images with at least one doubtful tag, for the doubtful-tag pager (edited images' post tags included). */
export function doubtfulImages(
  images: readonly DatasetImage[],
  options: DoubtOptions,
): Array<{ id: ImageId; tags: DoubtfulTag[] }> {
  const result: Array<{ id: ImageId; tags: DoubtfulTag[] }> = [];
  for (const image of images) {
    const decided = new Set([...(image.edits?.add ?? []), ...(image.edits?.remove ?? [])].map(canonicalTag));
    const tags = findDoubtfulTags(image.tags, { ...options, postTagsTrusted: !image.edited }).filter(
      (tag) => !decided.has(tag.tag),
    );
    if (tags.length > 0) result.push({ id: image.id, tags });
  }
  return result;
}
