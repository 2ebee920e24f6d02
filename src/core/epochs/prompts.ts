import { UserError } from '../errors.ts';
import { canonicalTag } from '../tags/names.ts';
import { captionStyleFor, spellTag, type CaptionStyle } from '../tags/spelling.ts';
import { classifyTag } from '../tags/groups.ts';
import type { ModelFamily, TagCategory } from '../tags/types.ts';

/**
 * Sample prompts for the epoch check (guide, "Testing the LoRA": the character must look right from the main tag
 * alone, outfits must appear when prompted and not otherwise, and poses, views or backgrounds the dataset lacks
 * must still work). Built from the project; tags are spelled by the same rule as the captions (`spellTag`), so the
 * samples prompt the words the LoRA was trained on.
 */

export type ProbeGroup = 'pose' | 'view' | 'background';
export type SamplePromptKind = 'likeness' | 'outfit' | 'flexibility' | 'owner';

export interface PlannedSamplePrompt {
  kind: SamplePromptKind;
  /** The prompt text as sd-scripts reads it (tags joined with ", "). */
  prompt: string;
  /** The canonical tags of the prompt, main tag first. */
  tags: string[];
  /** Set on `outfit` prompts: the outfit tag prompted. */
  outfit?: string;
  /** Set on `flexibility` prompts: the pose, view and background prompted. */
  probes?: Array<{ group: ProbeGroup; tag: string }>;
}

export interface DatasetTagCount {
  count: number;
  category?: TagCategory;
}

export interface SamplePromptInput {
  mainTag: string;
  family: ModelFamily;
  /** Outfit tags decided in tagging (each gets a prompt with it; the main-tag prompt is the one without). */
  outfits?: readonly string[];
  /** How many kept images carry each tag (canonical names). */
  datasetTags: ReadonlyMap<string, DatasetTagCount>;
  /** Prompts the owner typed in the plan card (kept as written). */
  ownerPrompts?: readonly string[];
  /** How the base model's captions spell tags (default: the family's style, as its captions are written). */
  style?: CaptionStyle;
}

/**
 * Probe candidates per family, most ordinary first: the guide asks for flexibility on everyday poses, views and
 * settings, so the probe is the first one that is rarest in the dataset (absent beats rare).
 */
export const PROBE_CANDIDATES: Readonly<
  Record<ModelFamily, Readonly<Record<ProbeGroup, readonly string[]>>>
> = {
  anime: {
    pose: ['sitting', 'standing', 'lying', 'running', 'arms_up', 'crossed_arms'],
    view: ['from_side', 'from_behind', 'from_above', 'from_below'],
    background: ['outdoors', 'indoors', 'white_background', 'simple_background'],
  },
  e621: {
    pose: ['sitting', 'standing', 'lying', 'running', 'raised_arms', 'crossed_arms'],
    view: ['side_view', 'rear_view', 'three-quarter_view', 'front_view'],
    background: ['outside', 'inside', 'white_background', 'simple_background'],
  },
};

const GROUP_OF_PROBE: Record<ProbeGroup, string> = {
  pose: 'pose',
  view: 'perspective',
  background: 'background',
};

/** The candidate of a group least present in the dataset (first in list order on ties). */
export function pickProbe(
  family: ModelFamily,
  group: ProbeGroup,
  datasetTags: ReadonlyMap<string, DatasetTagCount>,
): string {
  const candidates = PROBE_CANDIDATES[family][group];
  let best = candidates[0] as string;
  let bestCount = Number.POSITIVE_INFINITY;
  for (const tag of candidates) {
    if (classifyTag(tag)?.id !== GROUP_OF_PROBE[group]) throw new Error(`${tag} is not a ${group} tag`);
    const count = datasetTags.get(tag)?.count ?? 0;
    if (count < bestCount) {
      best = tag;
      bestCount = count;
    }
  }
  return best;
}

function promptText(tags: readonly string[], style: CaptionStyle): string {
  return tags.map((tag) => spellTag(tag, style)).join(', ');
}

/** Splits a prompt into canonical tags (commas separate tags, spaces and underscores are the same). */
export function promptTags(prompt: string): string[] {
  return prompt
    .split(',')
    .map((part) => canonicalTag(part.trim()))
    .filter((tag) => tag !== '');
}

/** The project's sample prompts: likeness, one per outfit, one flexibility probe, then the owner's. */
export function buildSamplePrompts(input: SamplePromptInput): PlannedSamplePrompt[] {
  const main = canonicalTag(input.mainTag);
  if (main === '') throw new UserError('invalid-tag', 'The main tag is empty; sample prompts need it.');
  const style = input.style ?? captionStyleFor(input.family);
  const prompts: PlannedSamplePrompt[] = [
    { kind: 'likeness', prompt: promptText([main], style), tags: [main] },
  ];
  for (const raw of input.outfits ?? []) {
    const outfit = canonicalTag(raw);
    if (outfit === '' || outfit === main) continue;
    if (prompts.some((p) => p.outfit === outfit)) continue;
    prompts.push({
      kind: 'outfit',
      prompt: promptText([main, outfit], style),
      tags: [main, outfit],
      outfit,
    });
  }
  const probes = (['pose', 'view', 'background'] as const).map((group) => ({
    group,
    tag: pickProbe(input.family, group, input.datasetTags),
  }));
  const probeTags = [main, ...probes.map((p) => p.tag)];
  prompts.push({ kind: 'flexibility', prompt: promptText(probeTags, style), tags: probeTags, probes });
  for (const raw of input.ownerPrompts ?? []) {
    const prompt = raw.trim();
    if (prompt === '') continue;
    prompts.push({ kind: 'owner', prompt, tags: promptTags(prompt) });
  }
  return prompts;
}

/** CLIP reads 75 tokens per chunk; sd-scripts' `max_token_length = 225` allows three chunks. */
export const CLIP_CHUNK_TOKENS = 75;
export const PROMPT_TOKEN_BUDGET = CLIP_CHUNK_TOKENS * 3;

/**
 * An estimate of CLIP's token count without its tokenizer: every punctuation mark is one token, a word of up to
 * 6 letters is one token and a longer one one per 4 letters started (CLIP's BPE splits rare words into pieces).
 * Real counts differ by a few tokens either way.
 */
export function estimateClipTokens(prompt: string): number {
  let tokens = 0;
  for (const piece of prompt.toLowerCase().match(/[a-z]+|[0-9]|[^\sa-z0-9]/g) ?? []) {
    if (/^[a-z]+$/.test(piece)) tokens += piece.length <= 6 ? 1 : Math.ceil(piece.length / 4);
    else tokens += 1;
  }
  return tokens;
}

export interface TokenWarning {
  prompt: string;
  estimatedTokens: number;
  budget: number;
  message: string;
}

/** Prompts whose estimated length passes the budget: sd-scripts cuts the rest off silently. */
export function tokenBudgetWarnings(
  prompts: readonly string[],
  budget = PROMPT_TOKEN_BUDGET,
): TokenWarning[] {
  const warnings: TokenWarning[] = [];
  for (const prompt of prompts) {
    const estimatedTokens = estimateClipTokens(prompt);
    if (estimatedTokens <= budget) continue;
    const head = prompt.length > 60 ? `${prompt.slice(0, 57)}…` : prompt;
    warnings.push({
      prompt,
      estimatedTokens,
      budget,
      message: `The sample prompt "${head}" is about ${estimatedTokens} tokens (an estimate, not the real tokenizer); the base model reads ${budget}, the rest is cut off.`,
    });
  }
  return warnings;
}
