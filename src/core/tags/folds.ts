import { UserError } from '../errors.ts';
import { tagCounts, type DatasetImage, type TagDecisions } from './dataset.ts';
import { classifyTag, type TagGroupId } from './groups.ts';
import { canonicalTag, normalizeUserTag } from './names.ts';

/** The guide folds traits "present in all images"; Kiln proposes those on most kept images. */
export const DEFAULT_FOLD_SHARE = 0.7;

export interface FoldProposal {
  tag: string;
  group: TagGroupId;
  count: number;
  total: number;
  share: number;
}

/**
 * Trait tags (eye, fur, skin and hair colours, markings, species…) on at least `minShare` of the kept images:
 * core characteristics the main tag should carry, so they are proposed for folding (guide, step 5).
 * Tags already decided (folded, dropped, kept, or part of an outfit) are not proposed again.
 */
export function proposeFolds(
  images: readonly DatasetImage[],
  options: { mainTag: string; minShare?: number; decisions?: TagDecisions },
): FoldProposal[] {
  const minShare = options.minShare ?? DEFAULT_FOLD_SHARE;
  if (!(minShare > 0 && minShare <= 1)) {
    throw new UserError(
      'invalid-threshold',
      `The fold share must be above 0 and at most 1; got ${minShare}.`,
    );
  }
  const total = images.length;
  if (total === 0) return [];
  const decided = new Set(
    [
      canonicalTag(options.mainTag),
      ...(options.decisions?.fold ?? []),
      ...(options.decisions?.drop ?? []),
      ...(options.decisions?.keep ?? []),
      ...(options.decisions?.outfits ?? []).flatMap((outfit) => [outfit.tag, ...outfit.components]),
    ].map(canonicalTag),
  );
  const proposals: FoldProposal[] = [];
  for (const [tag, { count, category }] of tagCounts(images)) {
    if (decided.has(tag)) continue;
    const group = classifyTag(tag, category);
    if (group?.kind !== 'trait') continue;
    const share = count / total;
    if (share >= minShare) proposals.push({ tag, group: group.id, count, total, share });
  }
  return proposals.sort((a, b) => b.share - a.share || a.tag.localeCompare(b.tag));
}

/**
 * Checks a tag someone wants folded into the main tag. The main tag cannot fold into itself, and an outfit
 * tag must stay a separate tag: folding it would make the outfit appear whenever the character is prompted.
 */
export function validateFold(
  input: string,
  context: { mainTag: string; outfitTags?: readonly string[] },
): string {
  const tag = normalizeUserTag(input, 'tag to fold');
  if (tag === canonicalTag(context.mainTag)) {
    throw new UserError(
      'invalid-tag',
      `\`${tag}\` is the main tag itself; other traits fold into it, it cannot be folded into itself.`,
    );
  }
  if ((context.outfitTags ?? []).map(canonicalTag).includes(tag)) {
    throw new UserError(
      'invalid-tag',
      `\`${tag}\` is an outfit tag. Outfits stay toggleable; folding one into the main tag would draw it every time.`,
    );
  }
  return tag;
}
