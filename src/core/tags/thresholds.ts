import { validateThreshold } from './names.ts';
import type { TagCategory, TaggerName, TaggerThresholds } from './types.ts';

/** The guide: "For the e621 tagger I typically use a threshold of 0.7." */
export const E621_TAGGER_THRESHOLD = 0.7;

/**
 * The guide's WD threshold choice: low for characters an anime model can nearly draw already (wolf, fox and
 * cat girls), high for feral, scalies and imps, where WD's guesses are less reliable.
 */
export const WD_THRESHOLD_PRESETS = {
  'close-to-anime': 0.4,
  'in-between': 0.55,
  'feral-scalies-imps': 0.7,
} as const;
export type WdThresholdPreset = keyof typeof WD_THRESHOLD_PRESETS;

export const DEFAULT_THRESHOLDS: TaggerThresholds = {
  wd: WD_THRESHOLD_PRESETS['in-between'],
  e621: E621_TAGGER_THRESHOLD,
};

/** How close to its threshold a score must be to count as doubtful (±). */
export const DEFAULT_DOUBT_MARGIN = 0.1;

/** Checks every threshold once, so a typo is reported before any image is tagged. */
export function validateThresholds(thresholds: TaggerThresholds): TaggerThresholds {
  validateThreshold(thresholds.wd, 'WD tagger threshold');
  validateThreshold(thresholds.e621, 'e621 tagger threshold');
  if (thresholds.wdCharacter !== undefined)
    validateThreshold(thresholds.wdCharacter, 'WD character threshold');
  if (thresholds.e621Character !== undefined)
    validateThreshold(thresholds.e621Character, 'e621 character threshold');
  return thresholds;
}

/** The threshold that applies to one tagger's tag of a given category. */
export function thresholdFor(
  thresholds: TaggerThresholds,
  tagger: TaggerName,
  category: TagCategory,
): number {
  if (tagger === 'wd')
    return category === 'character' ? (thresholds.wdCharacter ?? thresholds.wd) : thresholds.wd;
  return category === 'character' ? (thresholds.e621Character ?? thresholds.e621) : thresholds.e621;
}
