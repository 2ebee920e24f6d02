import { buildCaption, captionTags } from '../core/captions/index.ts';
import type { TagStyle } from '../core/training/plan.ts';
import type { DatasetEntry } from './dataset.ts';

/**
 * The one place training captions come from. Until the tagging step stores captions in Postgres, they are built
 * from each post's e621 tags in pika's category order with the main tag first (keep_tokens = 1 keeps it in place
 * while the rest shuffle). The tagging work replaces the source here, per base-model tag style.
 */

/** e621 framing tags that stop being true once an image is cut down to a head crop. */
const BODY_FRAMING = ['full-length_portrait', 'three-quarter_portrait', 'half-length_portrait'];

/** The main tag as it stands in captions (underscores become spaces, as for every other tag). */
export function captionMainTag(mainTag: string): string {
  const [first] = captionTags({ tags: {}, rating: 's' }, { prepend: [mainTag], ratingWord: false });
  return first ?? mainTag;
}

export interface CaptionSettings {
  mainTag: string;
  /** The base model's vocabulary; e621 tags serve both styles until the taggers' captions exist. */
  tagStyle: TagStyle;
}

/** One caption per dataset entry, keyed by the entry's file stem. */
export function captionsForDataset(
  entries: readonly DatasetEntry[],
  settings: CaptionSettings,
): Map<string, string> {
  const captions = new Map<string, string>();
  for (const entry of entries) {
    const headshot = entry.kind === 'headshot';
    const caption = buildCaption(
      { tags: entry.tags, rating: entry.rating },
      {
        prepend: [settings.mainTag],
        // A head crop loses the body: its framing tags would teach the wrong thing.
        remove: headshot ? BODY_FRAMING : [],
        append: headshot ? ['headshot_portrait'] : [],
      },
    );
    captions.set(entry.name, caption);
  }
  return captions;
}
