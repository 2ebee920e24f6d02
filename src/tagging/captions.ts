import { UserError } from '../core/errors.ts';
import { buildCaption } from '../core/tags/captions.ts';
import { MODEL_FAMILIES, type ModelFamily } from '../core/tags/types.ts';
import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import { loadProjectTagging, type ProjectTagging, type TaggedDatasetImage } from './project-tags.ts';

/** One dataset image's final caption for one base-model family. */
export interface DatasetCaption {
  taggedImageId: number;
  candidateId: number;
  /** Null for a whole image. */
  cropId: number | null;
  kind: TaggedDatasetImage['kind'];
  /** File stem in a training folder: `<post id>` or `<post id>-<crop kind>-<crop id>`. */
  name: string;
  postId: number;
  rank: number | null;
  caption: string;
}

/** The captions of an already loaded project, in dataset order. */
export function captionsOf(tagging: ProjectTagging, family: ModelFamily): DatasetCaption[] {
  return tagging.images.map((image) => ({
    taggedImageId: image.id,
    candidateId: image.candidateId,
    cropId: image.cropId,
    kind: image.kind,
    name: image.name,
    postId: image.postId,
    rank: image.rank,
    caption: buildCaption(image, {
      mainTag: tagging.project.mainTag,
      family,
      decisions: tagging.decisions,
      vocabularies: tagging.vocabularies,
    }),
  }));
}

/**
 * The final caption of every dataset image (kept images and confirmed crops) for one base-model family: the
 * main tag first (keep_tokens = 1), then the auto-tags and the post's tags after the friends' per-image
 * edits and the fold, drop and outfit decisions, in category order. What training writes next to each image.
 * Refuses a project that was never auto-tagged, so training never silently falls back to bare captions.
 */
export async function datasetCaptions(
  db: Db,
  projectId: number,
  family: ModelFamily,
): Promise<DatasetCaption[]> {
  if (!MODEL_FAMILIES.includes(family)) {
    throw new UserError('invalid-option', `Unknown caption family "${String(family)}"; use anime or e621.`);
  }
  const project = await getProject(db, projectId);
  if (!project) throw new UserError('project-not-found', `There is no project ${projectId}.`);
  const tagging = await loadProjectTagging(db, project);
  if (tagging.images.length === 0) {
    throw new UserError(
      'not-tagged',
      `**${project.characterName}** has no tags yet: finalize the dataset, then \`/lora autotag\` tags it.`,
    );
  }
  return captionsOf(tagging, family);
}
