import type { CropKind } from '../core/pruning/crops.ts';
import type { PostTags } from '../core/query/post.ts';
import { canonicalTag } from '../core/tags/names.ts';
import type { MergedTag, TagEvidence } from '../core/tags/merge.ts';
import type { PostTag, TagCategory } from '../core/tags/types.ts';
import type { KnownTags } from '../db/schema/index.ts';

/**
 * Tagger scores are stored down to this floor, not just above the thresholds: changing a threshold (or the
 * ±0.1 band that makes a tag doubtful) then re-merges the stored scores instead of tagging every image again.
 * Thresholds below it need a new tagging run.
 */
export const EVIDENCE_FLOOR = 0.2;

/** e621 framing tags that stop being true once an image is cut down to a head crop. */
const BODY_FRAMING: ReadonlySet<string> = new Set([
  'full-length_portrait',
  'three-quarter_portrait',
  'half-length_portrait',
]);

/**
 * The post's own tags for one dataset image. A head crop loses the body, so the post's framing tags go and
 * `headshot_portrait` (what e621 calls the result) comes in: a friend confirmed the crop.
 */
export function postEvidence(tags: PostTags, kind: 'image' | CropKind): PostTag[] {
  const evidence: PostTag[] = [];
  for (const [category, names] of Object.entries(tags) as Array<[TagCategory, string[] | undefined]>) {
    for (const name of names ?? []) {
      const tag = canonicalTag(name);
      if (kind === 'headshot' && BODY_FRAMING.has(tag)) continue;
      evidence.push({ tag, category });
    }
  }
  if (kind === 'headshot' && !evidence.some((tag) => tag.tag === 'headshot_portrait')) {
    evidence.push({ tag: 'headshot_portrait', category: 'meta' });
  }
  return evidence;
}

/** Which of an image's tags each tagger's vocabulary knows: what decides the caption set a tag joins. */
export function knownTags(
  evidence: TagEvidence,
  vocabularies: { wd: ReadonlySet<string>; e621: ReadonlySet<string> },
): KnownTags {
  const seen = new Set<string>([
    ...(evidence.post ?? []).map((tag) => tag.tag),
    ...(evidence.wd ?? []).map((tag) => tag.tag),
    ...(evidence.e621 ?? []).map((tag) => tag.tag),
  ]);
  const known: KnownTags = { wd: [], e621: [] };
  for (const tag of [...seen].sort()) {
    if (vocabularies.wd.has(tag)) known.wd.push(tag);
    if (vocabularies.e621.has(tag)) known.e621.push(tag);
  }
  return known;
}

/** How many accepted tags two mergings of one image differ by (for the thresholds reply). */
export function acceptedDifference(
  before: readonly MergedTag[],
  after: readonly MergedTag[],
): { gained: number; lost: number } {
  const was = new Set(before.filter((tag) => tag.accepted).map((tag) => tag.tag));
  const now = new Set(after.filter((tag) => tag.accepted).map((tag) => tag.tag));
  return {
    gained: [...now].filter((tag) => !was.has(tag)).length,
    lost: [...was].filter((tag) => !now.has(tag)).length,
  };
}
