import sharp from 'sharp';
import { UserError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { getCrop, getReplacement } from '../db/repositories/crops.ts';
import type { CropRow, ProjectRow } from '../db/schema/index.ts';
import { imageInput } from '../storage/image-source.ts';
import type { PruneImage } from '../db/repositories/pruning.ts';
import { loadImageForComponent } from './prune-access.ts';

export interface CropContext {
  crop: CropRow;
  image: PruneImage;
  project: ProjectRow;
  input: string | Buffer;
  size: { width: number; height: number };
}

/** The pixels a crop box refers to: the replacement when one was uploaded, else the stored image. */
export async function imagePixels(db: Db, dataDir: string, image: PruneImage) {
  const input = await imageInput(dataDir, image, await getReplacement(db, image.candidateId));
  const meta = await sharp(input).rotate().metadata();
  const oriented = (meta.orientation ?? 1) >= 5;
  const width = (oriented ? meta.height : meta.width) ?? image.width;
  const height = (oriented ? meta.width : meta.height) ?? image.height;
  return { input, size: { width, height } };
}

export async function loadCropContext(
  db: Db,
  dataDir: string,
  cropId: number,
  guildId: string,
): Promise<CropContext> {
  const crop = await getCrop(db, cropId);
  if (!crop) throw new UserError('not-found', 'This crop no longer exists.');
  const { image, project } = await loadImageForComponent(db, crop.candidateId, guildId);
  const { input, size } = await imagePixels(db, dataDir, image);
  return { crop, image, project, input, size };
}
