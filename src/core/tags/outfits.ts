import { UserError } from '../errors.ts';
import {
  outfitApplies,
  tagCounts,
  tagsAfterEdits,
  type DatasetImage,
  type OutfitDefinition,
} from './dataset.ts';
import { classifyTag, isTraitTag } from './groups.ts';
import { canonicalTag, normalizeUserTag } from './names.ts';
import type { ImageId } from './types.ts';

export const MAX_OUTFIT_COMPONENTS = 20;

export interface OutfitContext {
  mainTag: string;
  /** Outfits already defined; redefining one of them (same tag) is allowed. */
  outfits?: readonly OutfitDefinition[];
  /** Tags folded into the main tag. */
  folded?: readonly string[];
  /** Every tag present in the dataset: a new outfit tag must be a new word, not an existing tag. */
  datasetTags?: ReadonlySet<string>;
}

/**
 * Checks an outfit: one new e621-style tag standing for 1–20 component tags (guide: Roxanne's shirt pieces
 * become `roxanneshirt`). The outfit tag must be new, so the model learns it as the outfit and nothing else:
 * not the main tag, not a trait, not a tag already in the dataset, not one of its own components.
 */
export function validateOutfit(
  input: { tag: string; components: readonly string[] },
  context: OutfitContext,
): OutfitDefinition {
  const tag = normalizeUserTag(input.tag, 'outfit tag');
  const main = canonicalTag(context.mainTag);
  if (tag === main) {
    throw new UserError(
      'invalid-tag',
      `The outfit tag \`${tag}\` is the main tag; an outfit needs its own tag so it can be prompted on and off.`,
    );
  }
  const folded = new Set((context.folded ?? []).map(canonicalTag));
  if (folded.has(tag) || isTraitTag(tag)) {
    throw new UserError(
      'invalid-tag',
      `\`${tag}\` is a character trait (${classifyTag(tag)?.label ?? 'folded into the main tag'}), not an outfit; pick a new word such as \`${main}_outfit\`.`,
    );
  }
  const existing = (context.outfits ?? []).some((outfit) => canonicalTag(outfit.tag) === tag);
  if (!existing && context.datasetTags?.has(tag)) {
    throw new UserError(
      'invalid-tag',
      `\`${tag}\` is already a tag in this dataset; an outfit tag must be a new word (e.g. \`${main}_outfit\`) so the model learns it as the outfit.`,
    );
  }
  const components = [...new Set(input.components.map((c) => normalizeUserTag(c, 'outfit component')))];
  if (components.length === 0) {
    throw new UserError('invalid-tag', `The outfit \`${tag}\` needs at least one component tag to replace.`);
  }
  if (components.length > MAX_OUTFIT_COMPONENTS) {
    throw new UserError(
      'invalid-tag',
      `The outfit \`${tag}\` lists ${components.length} component tags; the limit is ${MAX_OUTFIT_COMPONENTS}.`,
    );
  }
  const otherOutfits = new Set(
    (context.outfits ?? []).map((outfit) => canonicalTag(outfit.tag)).filter((other) => other !== tag),
  );
  for (const component of components) {
    if (component === tag) {
      throw new UserError(
        'invalid-tag',
        `The outfit \`${tag}\` cannot list itself as one of its components.`,
      );
    }
    if (component === main) {
      throw new UserError(
        'invalid-tag',
        `The main tag \`${main}\` cannot be part of the outfit \`${tag}\`; it must stay on every image.`,
      );
    }
    if (otherOutfits.has(component)) {
      throw new UserError(
        'invalid-tag',
        `\`${component}\` is another outfit's tag; outfits cannot be nested.`,
      );
    }
  }
  return { tag, components };
}

export interface OutfitMatch {
  /** Images that get the outfit tag (more than half of the components present). */
  applied: ImageId[];
  /** Images with some components but not enough: worth a look by a friend. */
  partial: ImageId[];
}

/** Which images an outfit replaces tags on, under the more-than-half rule of `outfitApplies`. */
export function matchOutfit(images: readonly DatasetImage[], outfit: OutfitDefinition): OutfitMatch {
  const components = outfit.components.map(canonicalTag);
  const match: OutfitMatch = { applied: [], partial: [] };
  for (const image of images) {
    const tags = tagsAfterEdits(image);
    const present = components.filter((c) => tags.has(c)).length;
    if (outfitApplies(present, components.length)) match.applied.push(image.id);
    else if (present > 0) match.partial.push(image.id);
  }
  return match;
}

export interface OutfitSuggestion {
  components: string[];
  /** Images carrying every component. */
  count: number;
  share: number;
}

/**
 * Clothing and accessory tags that keep appearing together are probably one outfit (guide: "create and
 * consolidate tags for the character's main outfit(s)"). Pairs co-occurring on at least `minJaccard` of the
 * images having either are linked; each linked group of tags present on at least `minShare` is suggested.
 */
export function suggestOutfits(
  images: readonly DatasetImage[],
  options: { minShare?: number; minJaccard?: number; exclude?: readonly string[] } = {},
): OutfitSuggestion[] {
  const total = images.length;
  if (total === 0) return [];
  const minShare = options.minShare ?? 0.25;
  const minJaccard = options.minJaccard ?? 0.6;
  const exclude = new Set((options.exclude ?? []).map(canonicalTag));
  const candidates = [...tagCounts(images)]
    .filter(([tag, { count, category }]) => {
      if (exclude.has(tag) || count / total < minShare) return false;
      return classifyTag(tag, category)?.kind === 'toggleable';
    })
    .map(([tag]) => tag)
    .sort();
  const imageTags = images.map((image) => new Set(tagsAfterEdits(image).keys()));
  const parent = new Map(candidates.map((tag) => [tag, tag]));
  const root = (tag: string): string => {
    let current = tag;
    while (parent.get(current) !== current) current = parent.get(current) ?? current;
    return current;
  };
  for (let i = 0; i < candidates.length; i++) {
    for (let j = i + 1; j < candidates.length; j++) {
      const a = candidates[i] as string;
      const b = candidates[j] as string;
      let both = 0;
      let either = 0;
      for (const tags of imageTags) {
        const hasA = tags.has(a);
        const hasB = tags.has(b);
        if (hasA && hasB) both += 1;
        if (hasA || hasB) either += 1;
      }
      if (either > 0 && both / either >= minJaccard) parent.set(root(b), root(a));
    }
  }
  const groups = new Map<string, string[]>();
  for (const tag of candidates) {
    const key = root(tag);
    groups.set(key, [...(groups.get(key) ?? []), tag]);
  }
  const suggestions: OutfitSuggestion[] = [];
  for (const components of groups.values()) {
    if (components.length < 2) continue;
    const count = imageTags.filter((tags) => components.every((c) => tags.has(c))).length;
    suggestions.push({ components, count, share: count / total });
  }
  return suggestions.sort((a, b) => b.share - a.share || b.components.length - a.components.length);
}
