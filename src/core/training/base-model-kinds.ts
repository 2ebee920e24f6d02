import type { ModelFamily, TagStyle } from './vocabulary.ts';

/**
 * Named SDXL base models whose habits Kiln knows. Illustrious, NoobAI and Pony are structurally the same SDXL
 * file (no header key tells them apart), so the entry says which one it is and gets that model's defaults; every
 * default can still be set by hand in the list.
 */

export const BASE_MODEL_KINDS = ['illustrious', 'noobai', 'pony'] as const;
export type BaseModelKind = (typeof BASE_MODEL_KINDS)[number];

export interface KindDefaults {
  label: string;
  family: ModelFamily;
  tagStyle: TagStyle;
  /** Put before every sample prompt; empty for none. */
  promptPrefix: string;
  /** Why these defaults, with the source. */
  source: string;
}

/** Pony V6's quality string: the model card asks for the whole chain, a lone score_9 does little. */
export const PONY_SCORE_PREFIX = 'score_9, score_8_up, score_7_up, score_6_up, score_5_up, score_4_up';
/** NoobAI-XL's recommended prompt start, without its `safe` rating tag (samples should follow the dataset). */
export const NOOBAI_QUALITY_PREFIX = 'masterpiece, best quality, newest, absurdres, highres';

export const KIND_DEFAULTS: Readonly<Record<BaseModelKind, KindDefaults>> = {
  illustrious: {
    label: 'Illustrious',
    family: 'sdxl',
    tagStyle: 'anime',
    promptPrefix: '',
    source:
      'Illustrious-XL was fine-tuned on Danbooru2023 (OnomaAIResearch model card): Danbooru tags from the WD tagger',
  },
  noobai: {
    label: 'NoobAI-XL',
    family: 'sdxl',
    tagStyle: 'e621',
    promptPrefix: NOOBAI_QUALITY_PREFIX,
    source:
      "NoobAI-XL was trained on Danbooru and e621 with native tags (Laxhar/noobai-XL-1.0 card): e621 tags for a furry character; samples start with the card's quality tags",
  },
  pony: {
    label: 'Pony',
    family: 'sdxl',
    tagStyle: 'e621',
    promptPrefix: PONY_SCORE_PREFIX,
    source:
      'Pony Diffusion V6 XL is prompted with e621-style tags after its score_9 … score_4_up chain (civitai.com/models/257749)',
  },
};
