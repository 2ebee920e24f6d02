import { captionTags } from '../core/captions/index.ts';
import { canonicalTag } from '../core/tags/names.ts';
import { captionStyleFor, spellTag, type CaptionStyle } from '../core/tags/spelling.ts';
import type { TagStyle } from '../core/training/plan.ts';
import { isUserError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { datasetCaptions } from '../tagging/captions.ts';
import type { DatasetEntry } from './dataset.ts';

/**
 * The one place training captions come from: the tagging step's captions for the base model's family (main
 * tag first, folds, outfits, drops and edits applied). A dataset that was never auto-tagged (no tagger models
 * installed, say) still trains on captions built from each post's e621 tags in pika's category order, main
 * tag first (keep_tokens = 1 keeps it in place while the rest shuffle).
 */

/** e621 framing tags that stop being true once an image is cut down to a head crop. */
const BODY_FRAMING = ['full-length_portrait', 'three-quarter_portrait', 'half-length_portrait'];

/** The main tag as it stands in captions and sample prompts for the base model's caption style. */
export function captionMainTag(mainTag: string, style: CaptionStyle): string {
  return spellTag(canonicalTag(mainTag), style);
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
  const style = captionStyleFor(settings.tagStyle);
  for (const entry of entries) {
    const headshot = entry.kind === 'headshot';
    // pika's order and drops on canonical tags; the spelling is the one rule prompts use too.
    const tags = captionTags(
      { tags: entry.tags, rating: entry.rating },
      {
        prepend: [canonicalTag(settings.mainTag)],
        // A head crop loses the body: its framing tags would teach the wrong thing.
        remove: headshot ? BODY_FRAMING : [],
        append: headshot ? ['headshot_portrait'] : [],
        replaceUnderscores: false,
      },
    );
    const spelled = [...new Set(tags.map((tag) => spellTag(tag, style)))];
    captions.set(entry.name, spelled.join(', '));
  }
  return captions;
}

/** Captions for the run folder: from tagging when the project was tagged, else from the e621 tags. */
export async function trainingCaptions(
  db: Db,
  project: Pick<ProjectRow, 'id' | 'mainTag'>,
  entries: readonly DatasetEntry[],
  tagStyle: TagStyle,
): Promise<Map<string, string>> {
  try {
    const tagged = await datasetCaptions(db, project.id, tagStyle);
    const captions = new Map(tagged.map((row) => [row.name, row.caption]));
    // Entries tagging has not seen (an image kept after the last autotag) fall back to their e621 tags.
    const missing = entries.filter((entry) => !captions.has(entry.name));
    if (missing.length > 0) {
      for (const [name, caption] of captionsForDataset(missing, { mainTag: project.mainTag, tagStyle })) {
        captions.set(name, caption);
      }
    }
    return captions;
  } catch (error) {
    if (isUserError(error) && error.code === 'not-tagged') {
      return captionsForDataset(entries, { mainTag: project.mainTag, tagStyle });
    }
    throw error;
  }
}
