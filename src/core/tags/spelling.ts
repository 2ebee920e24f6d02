import type { ModelFamily } from './types.ts';

/**
 * The one rule for how a tag is spelled in what a LoRA is trained on and prompted with. Captions and sample
 * prompts both go through `spellTag`, so the epoch check prompts exactly the words the model saw.
 */

/**
 * Kaomoji keep their underscores when captions turn `_` into spaces: `^_^` is a face, `^ ^` is noise.
 * This is the list the WD tagger's author uses (the reference's 19 entries).
 */
export const KAOMOJI: ReadonlySet<string> = new Set([
  '0_0',
  '(o)_(o)',
  '+_+',
  '+_-',
  '._.',
  '<o>_<o>',
  '<|>_<|>',
  '=_=',
  '>_<',
  '3_3',
  '6_9',
  '>_o',
  '@_@',
  '^_^',
  'o_o',
  'u_u',
  'x_x',
  '|_|',
  '||_||',
]);

/** How a base model's captions write tags. Per-model vocabularies (Illustrious, NoobAI, Pony…) add their own. */
export interface CaptionStyle {
  /** Which tag vocabulary (and tagger) the model knows. */
  family: ModelFamily;
  /** `spaces`: `long hair` (the guide trains with replace_underscores on); `underscores`: `long_hair`. */
  separator: 'spaces' | 'underscores';
}

/**
 * Each family's caption style today: spaces for both, as the guide's author sets replace_underscores for base
 * models that do not use underscores, and as every caption Kiln writes has always read.
 */
export const CAPTION_STYLES: Readonly<Record<ModelFamily, CaptionStyle>> = {
  anime: { family: 'anime', separator: 'spaces' },
  e621: { family: 'e621', separator: 'spaces' },
};

export function captionStyleFor(family: ModelFamily): CaptionStyle {
  return CAPTION_STYLES[family];
}

/** A canonical tag as captions and prompts write it for the style; kaomoji keep their underscore (it is the mouth). */
export function spellTag(tag: string, style: CaptionStyle): string {
  if (style.separator === 'underscores' || KAOMOJI.has(tag)) return tag;
  return tag.replace(/_/g, ' ');
}
