import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { CropBox } from '../core/pruning/crops.ts';
import type { Db } from '../db/client.ts';
import { getReplacementData } from '../db/repositories/tagging.ts';
import { imageInput } from '../storage/image-source.ts';

/** What a dataset image is made of: the stored e621 file or the uploaded replacement, and its crop. */
export interface ImageSourceRef {
  candidateId: number;
  postId: number;
  imagePath: string | null;
  replaced: boolean;
  crop: CropBox | null;
}

async function sourceInput(db: Db, dataDir: string, image: ImageSourceRef): Promise<string | Buffer> {
  const replacement = image.replaced ? await getReplacementData(db, image.candidateId) : null;
  return imageInput(dataDir, image, replacement ? { data: replacement } : null);
}

/**
 * A file with exactly the pixels training will see, for the tagger (which reads files): the stored image
 * itself when nothing changes it, else the replacement and/or crop written as PNG into `scratchDir`
 * (EXIF orientation applied first: crop boxes are given on the upright image).
 */
export async function taggerInputPath(
  db: Db,
  dataDir: string,
  image: ImageSourceRef & { key: string },
  scratchDir: string,
): Promise<string> {
  const input = await sourceInput(db, dataDir, image);
  if (typeof input === 'string' && image.crop === null) return input;
  let pipeline = sharp(input).rotate();
  if (image.crop) pipeline = pipeline.extract(image.crop);
  const path = join(scratchDir, `${image.key}.png`);
  await writeFile(path, await pipeline.png({ compressionLevel: 1 }).toBuffer());
  return path;
}

/** A JPEG thumbnail of a dataset image as it will be trained (crop applied, alpha on white). */
export async function datasetThumbnail(
  db: Db,
  dataDir: string,
  image: ImageSourceRef,
  side = 512,
): Promise<Buffer> {
  const input = await sourceInput(db, dataDir, image);
  let pipeline = sharp(input).rotate();
  if (image.crop) pipeline = pipeline.extract(image.crop);
  return pipeline
    .resize(side, side, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 85 })
    .toBuffer();
}
