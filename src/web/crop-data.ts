import sharp from 'sharp';
import { suggestTopCentredSquare } from '../core/pruning/crops.ts';
import { bucketResolutions, snapBucketRange, type Size } from '../core/training/buckets.ts';
import type { Db } from '../db/client.ts';
import { loadImageStates } from '../db/repositories/pruning.ts';
import { cropsOfProject, getReplacement } from '../db/repositories/crops.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { imageInput } from '../storage/image-source.ts';

/** The buckets the editor snaps to: SDXL's 1024² with sd-scripts' defaults (256–2048, steps of 64). */
export const EDITOR_BUCKETS: readonly Size[] = bucketResolutions(1024, snapBucketRange(256, 2048, 64));

/** The size a crop box refers to: the picture after EXIF rotation, as the crop modal measures it. */
export async function orientedSize(
  input: string | Buffer,
  fallback: { width: number; height: number },
): Promise<Size> {
  const meta = await sharp(input).metadata();
  const turned = (meta.orientation ?? 1) >= 5;
  return {
    width: (turned ? meta.height : meta.width) ?? fallback.width,
    height: (turned ? meta.width : meta.height) ?? fallback.height,
  };
}

export interface EditorImage {
  candidateId: number;
  postId: number;
  verdict: string;
  width: number;
  height: number;
  suggestedHead: { left: number; top: number; width: number; height: number };
  crops: Array<{
    id: number;
    kind: string;
    box: { left: number; top: number; width: number; height: number } | null;
    confirmed: boolean;
  }>;
}

/** Everything the crop page shows: the images not pruned, their sizes, crops and the head suggestion. */
export async function cropEditorData(db: Db, dataDir: string, project: ProjectRow) {
  const states = await loadImageStates(db, project);
  const crops = await cropsOfProject(db, project.id);
  const images: EditorImage[] = [];
  for (const state of states) {
    if (state.verdict.decision === 'pruned') continue;
    let size: Size;
    try {
      size = await orientedSize(
        await imageInput(dataDir, state, await getReplacement(db, state.candidateId)),
        state,
      );
    } catch {
      continue; // Not in the cache: the board already says so; nothing to crop here.
    }
    images.push({
      candidateId: state.candidateId,
      postId: state.postId,
      verdict: state.verdict.decision,
      ...size,
      suggestedHead: suggestTopCentredSquare(size),
      crops: crops
        .filter(({ crop }) => crop.candidateId === state.candidateId)
        .map(({ crop }) => ({ id: crop.id, kind: crop.kind, box: crop.box, confirmed: crop.confirmed })),
    });
  }
  return {
    project: { id: project.id, characterName: project.characterName, mainTag: project.mainTag },
    frozen: project.datasetFrozenAt !== null,
    buckets: EDITOR_BUCKETS,
    images,
  };
}
