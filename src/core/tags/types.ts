/**
 * Shared vocabulary of the tagging step. Tag names are kept in their canonical form everywhere in the core
 * (lower case, underscores, exactly as e621 and Danbooru store them); spaces only appear when a caption is
 * written.
 */

import { TAG_CATEGORIES as POST_TAG_CATEGORIES } from '../query/post.ts';

/** e621's tag categories plus the taggers' rating rows. WD files only use general, character and rating. */
export const TAG_CATEGORIES = [...POST_TAG_CATEGORIES, 'rating'] as const;
export type TagCategory = (typeof TAG_CATEGORIES)[number];

/** Where a tag on an image came from: the e621 post itself, the WD (anime) tagger, the e621 tagger. */
export const TAG_SOURCES = ['post', 'wd', 'e621'] as const;
export type TagSource = (typeof TAG_SOURCES)[number];
export type TaggerName = Exclude<TagSource, 'post'>;

/** Base-model families get their own caption sets: anime models know Danbooru tags, furry models e621 tags. */
export const MODEL_FAMILIES = ['anime', 'e621'] as const;
export type ModelFamily = (typeof MODEL_FAMILIES)[number];

export type ImageId = string | number;

/** One tag from the post's own e621 tag list (human-made, so it has no score). */
export interface PostTag {
  tag: string;
  category: TagCategory;
}

/** One tag scored by an auto-tagger (tags below the threshold may be included to spot doubtful ones). */
export interface ScoredTag {
  tag: string;
  category: TagCategory;
  score: number;
}

/** Per-tagger thresholds; the character thresholds default to the general ones. */
export interface TaggerThresholds {
  wd: number;
  e621: number;
  wdCharacter?: number;
  e621Character?: number;
}
