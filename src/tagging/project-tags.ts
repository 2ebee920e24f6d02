import type { CropKind } from '../core/pruning/crops.ts';
import type { DatasetImage, OutfitDefinition, TagDecisions } from '../core/tags/dataset.ts';
import { suggestOutfits, type OutfitSuggestion } from '../core/tags/outfits.ts';
import type { TaggerName } from '../core/tags/types.ts';
import type { Db } from '../db/client.ts';
import { getTaggerSettings, listTaggedImages, type ProjectThresholds } from '../db/repositories/tagging.ts';
import { listDecisions } from '../db/repositories/tag-decisions.ts';
import { listOutfits } from '../db/repositories/outfits.ts';
import type { OutfitRow, ProjectRow, TagDecisionRow } from '../db/schema/index.ts';

/** A dataset image with what the views need besides its tags. */
export interface TaggedDatasetImage extends DatasetImage {
  id: number;
  candidateId: number;
  cropId: number | null;
  kind: 'image' | CropKind;
  name: string;
  postId: number;
  rank: number | null;
}

/** Everything the tagging step knows about a project, in the core's shapes. */
export interface ProjectTagging {
  project: ProjectRow;
  thresholds: ProjectThresholds;
  images: TaggedDatasetImage[];
  decisions: TagDecisions;
  decisionRows: TagDecisionRow[];
  outfitRows: OutfitRow[];
  /** Per tagger, the dataset's tags its vocabulary knows (a tag joins that family's captions). */
  vocabularies: Record<TaggerName, Set<string>>;
}

/** Outfits that still count: proposed or accepted (a rejected one is free to be redefined or forgotten). */
export function liveOutfits(rows: readonly OutfitRow[]): OutfitRow[] {
  return rows.filter((row) => row.state !== 'rejected');
}

/** The group's decisions as the core applies them: fold / keep / drop outcomes, accepted outfits. */
export function decisionsOf(
  decisionRows: readonly TagDecisionRow[],
  outfitRows: readonly OutfitRow[],
): TagDecisions {
  const outcome = (wanted: string) =>
    decisionRows.filter((row) => row.outcome === wanted).map((row) => row.tag);
  const outfits: OutfitDefinition[] = outfitRows
    .filter((row) => row.state === 'accepted')
    .map((row) => ({ tag: row.tag, components: row.components }));
  return { fold: outcome('fold'), keep: outcome('keep'), drop: outcome('drop'), outfits };
}

export async function loadProjectTagging(db: Db, project: ProjectRow): Promise<ProjectTagging> {
  const [thresholds, rows, decisionRows, outfitRows] = await Promise.all([
    getTaggerSettings(db, project.id),
    listTaggedImages(db, project.id),
    listDecisions(db, project.id),
    listOutfits(db, project.id),
  ]);
  const vocabularies: Record<TaggerName, Set<string>> = { wd: new Set(), e621: new Set() };
  const images = rows.map((row): TaggedDatasetImage => {
    for (const tag of row.known.wd) vocabularies.wd.add(tag);
    for (const tag of row.known.e621) vocabularies.e621.add(tag);
    return {
      id: row.id,
      tags: row.tags,
      isHeadshot: row.kind === 'headshot',
      edited: row.edited,
      edits: row.edits,
      candidateId: row.candidateId,
      cropId: row.cropId,
      kind: row.kind,
      name: row.name,
      postId: row.postId,
      rank: row.rank,
    };
  });
  return {
    project,
    thresholds,
    images,
    decisions: decisionsOf(decisionRows, outfitRows),
    decisionRows,
    outfitRows,
    vocabularies,
  };
}

/**
 * Outfit suggestions that still make sense: tags already in an outfit, the main tag and tags dropped
 * everywhere are left out. The worker posts them; the suggestion buttons read them again by position.
 */
export function outfitSuggestionsOf(
  tagging: Pick<ProjectTagging, 'project' | 'images' | 'outfitRows' | 'decisions'>,
): OutfitSuggestion[] {
  const live = liveOutfits(tagging.outfitRows);
  return suggestOutfits(tagging.images, {
    exclude: [
      tagging.project.mainTag,
      ...live.flatMap((outfit) => [outfit.tag, ...outfit.components]),
      ...(tagging.decisions.drop ?? []),
    ],
  });
}
