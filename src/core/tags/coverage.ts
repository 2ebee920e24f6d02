import { effectiveTags, type DatasetImage, type TagDecisions } from './dataset.ts';
import { classifyTag, type TagGroupId } from './groups.ts';
import { canonicalTag } from './names.ts';

/**
 * The guide's rule for toggleable elements (outfits, accessories, headwear…): present in at least a quarter of
 * the images to be learnt as its own tag, ideally half; and absent from at least a quarter if it must stay
 * optional (otherwise the main tag absorbs it).
 */
export const COVERAGE_RULE = { minShare: 0.25, idealShare: 0.5, minAbsentShare: 0.25 } as const;

export type CoverageStatus =
  /** Under a quarter: too rare to be learnt as its own tag. */
  | 'too-rare'
  /** A quarter to a half: enough. */
  | 'enough'
  /** Half or more, and still absent from a quarter: what the guide aims for. */
  | 'ideal'
  /** Absent from less than a quarter: it will leak into the main tag unless prompted away. */
  | 'rarely-absent';

export interface CoverageElement {
  tag: string;
  group: TagGroupId | 'outfit';
  count: number;
  share: number;
  status: CoverageStatus;
}

export interface CoverageReport {
  total: number;
  elements: CoverageElement[];
  headshots: { count: number; share: number };
  /** Trait tags still on images after folding (not folded, dropped or explicitly kept). */
  remainingTraits: Array<{ tag: string; group: TagGroupId; count: number; share: number }>;
  /**
   * Other characters' tags (e621 category character, e.g. from solo_focus posts): not traits of this
   * character, so never folded; listed so people see who else is in the pictures.
   */
  otherCharacters: Array<{ tag: string; count: number; share: number }>;
}

/** Tags that say an image is a headshot, in either tag style. */
export const HEADSHOT_TAGS: ReadonlySet<string> = new Set([
  'headshot_portrait',
  'bust_portrait',
  'portrait',
  'close-up',
  'face_focus',
  'head_focus',
]);

export function coverageStatus(share: number, rule: typeof COVERAGE_RULE = COVERAGE_RULE): CoverageStatus {
  if (share < rule.minShare) return 'too-rare';
  if (1 - share < rule.minAbsentShare) return 'rarely-absent';
  if (share >= rule.idealShare) return 'ideal';
  return 'enough';
}

/**
 * The coverage report of step 5: each toggleable element's share of the dataset against the ¼–½ rule, the
 * headshot share (the guide wants "a good share" of headshots), and any trait tag still present after folding.
 */
export function coverageReport(
  images: readonly DatasetImage[],
  options: { mainTag: string; decisions?: TagDecisions; rule?: typeof COVERAGE_RULE },
): CoverageReport {
  const total = images.length;
  const decisions = options.decisions ?? {};
  const rule = options.rule ?? COVERAGE_RULE;
  const outfitTags = new Set((decisions.outfits ?? []).map((outfit) => canonicalTag(outfit.tag)));
  const kept = new Set((decisions.keep ?? []).map(canonicalTag));
  const counts = new Map<string, { count: number; group: TagGroupId | 'outfit'; kind: string }>();
  let headshots = 0;

  for (const image of images) {
    const tags = effectiveTags(image, options.mainTag, decisions);
    if (image.isHeadshot === true || tags.some((tag) => HEADSHOT_TAGS.has(tag.tag))) headshots += 1;
    for (const tag of tags) {
      const group = outfitTags.has(tag.tag) ? null : classifyTag(tag.tag, tag.category);
      const kind = outfitTags.has(tag.tag) ? 'toggleable' : group?.kind;
      if (kind !== 'toggleable' && kind !== 'trait') continue;
      const entry = counts.get(tag.tag);
      if (entry) entry.count += 1;
      else counts.set(tag.tag, { count: 1, group: group?.id ?? 'outfit', kind });
    }
  }

  for (const tag of outfitTags) {
    if (!counts.has(tag)) counts.set(tag, { count: 0, group: 'outfit', kind: 'toggleable' });
  }
  const share = (count: number) => (total === 0 ? 0 : count / total);
  const elements: CoverageElement[] = [];
  const remainingTraits: CoverageReport['remainingTraits'] = [];
  const otherCharacters: CoverageReport['otherCharacters'] = [];
  const mainTag = canonicalTag(options.mainTag);
  for (const [tag, { count, group, kind }] of counts) {
    if (group === 'character') {
      if (tag !== mainTag) otherCharacters.push({ tag, count, share: share(count) });
    } else if (kind === 'toggleable') {
      elements.push({ tag, group, count, share: share(count), status: coverageStatus(share(count), rule) });
    } else if (group !== 'outfit' && !kept.has(tag)) {
      remainingTraits.push({ tag, group, count, share: share(count) });
    }
  }
  const byOutfitThenShare = (a: CoverageElement, b: CoverageElement) =>
    Number(b.group === 'outfit') - Number(a.group === 'outfit') ||
    b.share - a.share ||
    a.tag.localeCompare(b.tag);
  return {
    total,
    elements: elements.sort(byOutfitThenShare),
    headshots: { count: headshots, share: share(headshots) },
    remainingTraits: remainingTraits.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)),
    otherCharacters: otherCharacters.sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag)),
  };
}
