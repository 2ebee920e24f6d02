import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import sharp, { type Metadata } from 'sharp';
import { UserError } from '../core/errors.ts';
import { datasetFolderName } from '../core/training/folder-name.ts';
import { hidePaths } from '../training/public-text.ts';

/**
 * Builds a run's dataset folder, `<runDir>/img/<R>_<safe main tag>/`, with one image and one `<name>.txt` caption
 * per training image, the way sd-scripts reads it (images directly in the folder, caption beside each).
 *
 * Formats, chosen for speed first and quality a close second:
 * - An untouched image (no crop, no alpha, upright) is copied byte for byte: no decode, no generation loss.
 * - A JPEG that must change (crop, EXIF rotation) is re-encoded as JPEG at quality 95 with 4:4:4 chroma: an order of
 *   magnitude faster to write than PNG and far smaller, and the loss is invisible once sd-scripts scales the image
 *   down into its bucket (about 768 px from up to 2048).
 * - Anything with alpha, or a lossless source that must change, becomes PNG: alpha is flattened onto white (the
 *   guide's prep step; sd-scripts would otherwise turn transparency black), and a lossless source stays lossless.
 * The whole folder is built under a temporary name and renamed into place, so a failed build never looks complete.
 */

export interface CropBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface MaterializeItem {
  sourcePath: string;
  /** File stem in the run folder (e.g. `12345` or `12345-head`); letters, digits, `.`, `_`, `-`. */
  name: string;
  /** The final caption for the base model's family, main tag first. */
  caption: string;
  crop?: CropBox;
  /** The e621 post the image comes from, named in errors (people know posts, not files). */
  postId?: number;
}

export interface MaterializeOptions {
  runDir: string;
  mainTag: string;
  repeats: number;
  items: readonly MaterializeItem[];
  /** Images processed at once; sharp also threads inside each. */
  concurrency?: number;
}

export interface MaterializedImage {
  name: string;
  imagePath: string;
  captionPath: string;
  width: number;
  height: number;
  action: 'copied' | 'converted';
}

export interface MaterializedFolder {
  /** `<runDir>/img`: the parent sd-scripts' folder convention wants. */
  parentDir: string;
  /** `<runDir>/img/<R>_<tag>`: the dataset TOML's image_dir. */
  imageDir: string;
  folderName: string;
  images: MaterializedImage[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;
/** Windows refuses these stems; exported zips are unpacked there too. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;
const COPY_FORMATS: Record<string, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' };
export const JPEG_QUALITY = 95;

/** The caption must start with the main tag: keep_tokens keeps the first tag fixed while the rest shuffle. */
export function checkCaption(caption: string, mainTag: string, name: string): string {
  const text = caption.trim();
  if (/[\r\n]/.test(text)) {
    throw new UserError(
      'invalid-tag',
      `The caption of ${name} has several lines; sd-scripts reads only the first.`,
    );
  }
  const first = text.split(',')[0]?.trim();
  if (first !== mainTag.trim()) {
    throw new UserError(
      'invalid-tag',
      `The caption of ${name} must start with the main tag ${JSON.stringify(mainTag)}, but starts with ${JSON.stringify(first ?? '')}.`,
    );
  }
  return text;
}

/** How an error names an image: its post and its name in the run folder, never where the file lives. */
function describeItem(item: MaterializeItem): string {
  return item.postId === undefined ? `image ${item.name}` : `image ${item.name} (e621 post #${item.postId})`;
}

/** A library's message (sharp, fs) without the absolute paths it quotes. */
function reason(error: unknown): string {
  return hidePaths(error instanceof Error ? error.message : String(error));
}

function checkCrop(crop: CropBox, width: number, height: number, item: MaterializeItem): void {
  const values = [crop.left, crop.top, crop.width, crop.height];
  if (
    !values.every(Number.isInteger) ||
    crop.left < 0 ||
    crop.top < 0 ||
    crop.width < 1 ||
    crop.height < 1 ||
    crop.left + crop.width > width ||
    crop.top + crop.height > height
  ) {
    throw new UserError(
      'invalid-crop',
      `The crop of ${describeItem(item)} (left ${crop.left}, top ${crop.top}, ${crop.width}×${crop.height}) does not fit inside its ${width}×${height} image.`,
    );
  }
}

async function materializeOne(
  item: MaterializeItem,
  dir: string,
  mainTag: string,
): Promise<MaterializedImage> {
  const caption = checkCaption(item.caption, mainTag, item.name);
  let metadata: Metadata;
  try {
    metadata = await sharp(item.sourcePath).metadata();
  } catch (error) {
    throw new UserError('invalid-image', `Cannot read ${describeItem(item)}: ${reason(error)}`);
  }
  const format = metadata.format;
  const rotated = (metadata.orientation ?? 1) >= 5;
  // EXIF orientation ≥ 5 swaps the axes; crops are given on the upright image.
  const width = (rotated ? metadata.height : metadata.width) ?? 0;
  const height = (rotated ? metadata.width : metadata.height) ?? 0;
  if (item.crop) checkCrop(item.crop, width, height, item);
  const upright = (metadata.orientation ?? 1) === 1;
  const copyExtension = COPY_FORMATS[format ?? ''];
  const captionPath = join(dir, `${item.name}.txt`);

  if (!item.crop && !metadata.hasAlpha && upright && copyExtension) {
    const imagePath = join(dir, `${item.name}.${copyExtension}`);
    await copyFile(item.sourcePath, imagePath);
    await writeFile(captionPath, caption, 'utf8');
    return { name: item.name, imagePath, captionPath, width, height, action: 'copied' };
  }

  const jpeg = format === 'jpeg' && !metadata.hasAlpha;
  const imagePath = join(dir, `${item.name}.${jpeg ? 'jpg' : 'png'}`);
  let pipeline = sharp(item.sourcePath).rotate();
  if (item.crop) pipeline = pipeline.extract(item.crop);
  if (metadata.hasAlpha) pipeline = pipeline.flatten({ background: '#ffffff' });
  pipeline = jpeg
    ? pipeline.jpeg({ quality: JPEG_QUALITY, chromaSubsampling: '4:4:4' })
    : pipeline.png({ compressionLevel: 3 });
  try {
    const info = await pipeline.toFile(imagePath);
    await writeFile(captionPath, caption, 'utf8');
    return {
      name: item.name,
      imagePath,
      captionPath,
      width: info.width,
      height: info.height,
      action: 'converted',
    };
  } catch (error) {
    throw new UserError('invalid-image', `Cannot convert ${describeItem(item)}: ${reason(error)}`);
  }
}

/**
 * Every image into the staging folder. On the first failure nothing new starts, and the writes already under way
 * are awaited (removing the folder under them fails with ENOTEMPTY and hides the real reason); then the first
 * failure is thrown.
 */
async function materializeAll(options: MaterializeOptions, dir: string): Promise<MaterializedImage[]> {
  const limit = pLimit(options.concurrency ?? Math.max(2, availableParallelism()));
  let failed = false;
  const results = await Promise.allSettled(
    options.items.map((item) =>
      limit(async () => {
        if (failed) return null;
        try {
          return await materializeOne(item, dir, options.mainTag);
        } catch (error) {
          failed = true;
          throw error;
        }
      }),
    ),
  );
  const failure = results.find((result) => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.flatMap((result) => (result.status === 'fulfilled' && result.value ? [result.value] : []));
}

/** Builds the folder; refuses missing sources, unsafe or duplicate names, bad crops and captions before writing. */
export async function materializeRunFolder(options: MaterializeOptions): Promise<MaterializedFolder> {
  const folderName = datasetFolderName(options.repeats, options.mainTag);
  if (options.items.length === 0)
    throw new UserError('invalid-plan', 'There are no images to put in the run folder.');
  const seen = new Map<string, string>();
  for (const item of options.items) {
    if (!NAME.test(item.name) || WINDOWS_RESERVED.test(item.name)) {
      throw new UserError(
        'invalid-option',
        `Image name ${JSON.stringify(item.name)} is not usable as a file name (letters, digits, ".", "_", "-"; at most 120).`,
      );
    }
    // Case-insensitive: two names that differ only in case collide on Windows and macOS.
    const key = item.name.toLowerCase();
    const previous = seen.get(key);
    if (previous !== undefined) {
      throw new UserError(
        'invalid-option',
        `Two images are both named ${JSON.stringify(item.name)} (${hidePaths(previous)} and ${hidePaths(item.sourcePath)}).`,
      );
    }
    seen.set(key, item.sourcePath);
    checkCaption(item.caption, options.mainTag, item.name);
  }
  const missing: string[] = [];
  await Promise.all(
    options.items.map(async (item) => {
      try {
        await access(item.sourcePath, constants.R_OK);
      } catch {
        missing.push(describeItem(item));
      }
    }),
  );
  if (missing.length > 0) {
    missing.sort();
    throw new UserError(
      'not-found',
      `${missing.length} source image${missing.length === 1 ? ' does' : 's do'} not exist: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`,
    );
  }

  const parentDir = join(options.runDir, 'img');
  const staging = join(options.runDir, `img.partial-${randomBytes(4).toString('hex')}`);
  const stagingImages = join(staging, folderName);
  await mkdir(stagingImages, { recursive: true });
  try {
    const images = await materializeAll(options, stagingImages);
    await rm(parentDir, { recursive: true, force: true });
    await rename(staging, parentDir);
    const imageDir = join(parentDir, folderName);
    return {
      parentDir,
      imageDir,
      folderName,
      images: images.map((image) => ({
        ...image,
        imagePath: join(imageDir, image.imagePath.slice(stagingImages.length + 1)),
        captionPath: join(imageDir, image.captionPath.slice(stagingImages.length + 1)),
      })),
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
