import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TagStyle } from '../core/training/plan.ts';
import type { Db } from '../db/client.ts';
import { getReplacement } from '../db/repositories/crops.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { imageInput } from '../storage/image-source.ts';
import { materializeRunFolder, type MaterializedFolder } from '../trainer/materialize.ts';
import { captionStyleFor } from '../core/tags/spelling.ts';
import { captionMainTag, trainingCaptions } from './captions.ts';
import type { TrainingDataset } from './dataset.ts';

/**
 * Builds `<runDir>/img/<R>_<main tag>/` for a project's frozen dataset from what Postgres holds: the cached e621
 * image (or the uploaded replacement's bytes), the crop box applied, alpha flattened onto white, and one caption
 * per image with the main tag first.
 */

export interface RunFolderInput {
  db: Db;
  dataDir: string;
  project: ProjectRow;
  dataset: TrainingDataset;
  runDir: string;
  repeats: number;
  tagStyle: TagStyle;
}

export interface RunFolder extends MaterializedFolder {
  /** The main tag as captions carry it (the trigger word of the LoRA). */
  mainTag: string;
}

const EXTENSIONS: Record<string, string> = { jpeg: 'jpg', jpg: 'jpg', png: 'png', webp: 'webp' };

export async function buildRunFolder(input: RunFolderInput): Promise<RunFolder> {
  const { db, dataset } = input;
  const sourcesDir = join(input.runDir, 'sources');
  const sources = new Map<number, string>();
  try {
    for (const entry of dataset.entries) {
      if (sources.has(entry.candidateId)) continue;
      const replacement = entry.replaced ? await getReplacement(db, entry.candidateId) : null;
      const pixels = await imageInput(input.dataDir, entry, replacement);
      if (typeof pixels === 'string') {
        sources.set(entry.candidateId, pixels);
        continue;
      }
      // An uploaded replacement lives in Postgres; the materializer reads files.
      await mkdir(sourcesDir, { recursive: true });
      const path = join(sourcesDir, `${entry.candidateId}.${EXTENSIONS[replacement?.format ?? ''] ?? 'png'}`);
      await writeFile(path, pixels);
      sources.set(entry.candidateId, path);
    }
    const mainTag = captionMainTag(input.project.mainTag, captionStyleFor(input.tagStyle));
    const captions = await trainingCaptions(db, input.project, dataset.entries, input.tagStyle);
    const folder = await materializeRunFolder({
      runDir: input.runDir,
      mainTag,
      repeats: input.repeats,
      items: dataset.entries.map((entry) => ({
        sourcePath: sources.get(entry.candidateId) ?? '',
        name: entry.name,
        postId: entry.postId,
        caption: captions.get(entry.name) ?? mainTag,
        ...(entry.crop ? { crop: entry.crop } : {}),
      })),
    });
    return { ...folder, mainTag };
  } finally {
    await rm(sourcesDir, { recursive: true, force: true });
  }
}
