import { UserError } from '../core/errors.ts';
import type { CropBox, CropKind } from '../core/pruning/crops.ts';
import type { PostTags, Rating } from '../core/query/post.ts';
import type { Db } from '../db/client.ts';
import { loadImageStates } from '../db/repositories/pruning.ts';
import { cropsOfProject } from '../db/repositories/crops.ts';
import { postTagsAndRatings, replacementSizes } from '../db/repositories/dataset-sources.ts';
import type { ProjectRow } from '../db/schema/index.ts';

/**
 * The frozen dataset of a project as training sees it, rebuilt from Postgres alone (so a GPU worker on another
 * machine needs nothing else): every kept image, plus every confirmed crop of a kept image as an image of its own.
 */

export interface DatasetEntry {
  /** File stem in the run folder: `<post id>` for an image, `<post id>-<kind>-<crop id>` for a crop. */
  name: string;
  candidateId: number;
  postId: number;
  rank: number | null;
  /** 'image' for the whole image; a crop's kind otherwise. */
  kind: 'image' | CropKind;
  crop: CropBox | null;
  /** Size of what will be trained: the crop's box, or the whole (replacement or stored) image. */
  width: number;
  height: number;
  /** The stored e621 image, relative to DATA_DIR (the pixels unless a replacement was uploaded). */
  imagePath: string | null;
  replaced: boolean;
  tags: PostTags;
  rating: Rating;
}

export interface TrainingDataset {
  entries: DatasetEntry[];
  /** Kept images (without crops). */
  keptCount: number;
  cropCount: number;
  /** Head crops plus kept images e621 tags as headshots. */
  headshotCount: number;
}

/** e621's tags for a head-and-shoulders picture. */
const HEADSHOT_TAGS = new Set(['headshot_portrait', 'bust_portrait']);

/** Refuses a project whose dataset was not finalized: training must never see a set that is still changing. */
export function assertFinalized(project: ProjectRow): void {
  if (project.datasetFrozenAt === null) {
    throw new UserError(
      'invalid-plan',
      `The dataset of **${project.characterName}** is not finalized yet. Finish pruning and press **Finalize** on the pruning board first.`,
    );
  }
}

export async function loadTrainingDataset(db: Db, project: ProjectRow): Promise<TrainingDataset> {
  const states = await loadImageStates(db, project);
  const kept = states.filter((state) => state.verdict.decision === 'kept');
  const keptIds = new Set(kept.map((image) => image.candidateId));
  const crops = (await cropsOfProject(db, project.id))
    .map(({ crop }) => crop)
    .filter((crop) => keptIds.has(crop.candidateId) && crop.box !== null && crop.confirmed);
  const postIds = kept.map((image) => image.postId);
  const candidateIds = kept.map((image) => image.candidateId);
  const [postRows, replacementRows] = await Promise.all([
    postTagsAndRatings(db, postIds),
    replacementSizes(db, candidateIds),
  ]);
  const postById = new Map(postRows.map((row) => [row.id, row]));
  const replacementById = new Map(replacementRows.map((row) => [row.candidateId, row]));

  const entries: DatasetEntry[] = [];
  let headshotCount = 0;
  for (const image of kept) {
    const post = postById.get(image.postId);
    const replacement = replacementById.get(image.candidateId);
    const tags = post?.tags ?? {};
    const base = {
      candidateId: image.candidateId,
      postId: image.postId,
      rank: image.rank,
      imagePath: image.imagePath,
      replaced: replacement !== undefined,
      tags,
      rating: post?.rating ?? 's',
    };
    if (
      (tags.general ?? []).some((tag) => HEADSHOT_TAGS.has(tag)) ||
      (tags.meta ?? []).some((tag) => HEADSHOT_TAGS.has(tag))
    ) {
      headshotCount += 1;
    }
    entries.push({
      ...base,
      name: String(image.postId),
      kind: 'image',
      crop: null,
      width: replacement?.width ?? image.width,
      height: replacement?.height ?? image.height,
    });
    for (const crop of crops.filter((c) => c.candidateId === image.candidateId)) {
      const box = crop.box;
      if (!box) continue;
      if (crop.kind === 'headshot') headshotCount += 1;
      entries.push({
        ...base,
        name: `${image.postId}-${crop.kind}-${crop.id}`,
        kind: crop.kind,
        crop: box,
        width: box.width,
        height: box.height,
      });
    }
  }
  return { entries, keptCount: kept.length, cropCount: entries.length - kept.length, headshotCount };
}
