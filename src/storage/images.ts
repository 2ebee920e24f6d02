import { createHash } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { DHASH_HEIGHT, DHASH_WIDTH, dhashFromPixels } from '../core/dedupe/index.ts';
import type { FileType } from '../core/query/schema.ts';
import { diskFullError, isDiskFull, partialPath, removeQuietly } from './disk.ts';

/**
 * Image files: the resize step (short side ≤ max, never upscale, same format, EXIF orientation applied),
 * the perceptual hash used for near duplicates, and the md5-keyed cache under DATA_DIR.
 */

/**
 * Decoding is refused above this many pixels (a decompression bomb: a small file that claims a huge
 * canvas). Large e621 artwork stays well below it.
 */
export const DEFAULT_MAX_INPUT_PIXELS = 150_000_000;

export type ImageRejectionCode = 'corrupt' | 'too-large' | 'file-type';

/** An image we will not keep, with the reason a summary shows. */
export class ImageRejected extends Error {
  constructor(
    readonly code: ImageRejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejected';
  }
}

export interface ProcessedImage {
  width: number;
  height: number;
  format: FileType;
  /** md5 of the stored file. */
  md5: string;
  /** 64-bit difference hash of the stored picture, 16 hex digits. */
  dhash: string;
  bytes: number;
  /** False when the original was small enough and upright, and was kept byte for byte. */
  resized: boolean;
  originalWidth: number;
  originalHeight: number;
}

export interface ProcessOptions {
  maxShortSide: number;
  maxInputPixels?: number;
  /** md5 of `input`, when already known (the download checked it), to skip reading the file again. */
  inputMd5?: string;
}

const FORMAT_BY_SHARP: Record<string, FileType> = { jpeg: 'jpg', jpg: 'jpg', png: 'png', webp: 'webp' };

/**
 * Encoder settings for each kept format. JPEG and WebP at quality 95 (as pika does) so a resize does not
 * visibly degrade training images; PNG stays lossless.
 */
export function encodeAs(pipeline: Sharp, format: FileType): Sharp {
  switch (format) {
    case 'png':
      return pipeline.png();
    case 'jpg':
      return pipeline.jpeg({ quality: 95 });
    case 'webp':
      return pipeline.webp({ quality: 95 });
  }
}

/** The resize every stored image goes through: upright, short side at most `maxShortSide`, never larger. */
export function resizePipeline(input: string | Buffer, maxShortSide: number, maxInputPixels: number): Sharp {
  return sharp(input, { limitInputPixels: maxInputPixels, failOn: 'error', sequentialRead: true })
    .autoOrient()
    .resize(maxShortSide, maxShortSide, { fit: 'outside', withoutEnlargement: true });
}

function rejectionFor(error: unknown): ImageRejected {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message))
    return new ImageRejected('too-large', `too many pixels to decode safely (${message})`);
  return new ImageRejected('corrupt', `corrupt or unreadable image (${message.split('\n')[0]})`);
}

/** dHash of a picture file or buffer, from a 72×64 reduction (transparency counts as white). */
export async function dhashOf(
  input: string | Buffer,
  maxInputPixels = DEFAULT_MAX_INPUT_PIXELS,
): Promise<string> {
  const { data, info } = await sharp(input, { limitInputPixels: maxInputPixels, failOn: 'error' })
    .autoOrient()
    .resize(DHASH_WIDTH * 8, DHASH_HEIGHT * 8, { fit: 'fill' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return dhashFromPixels(data, info.width, info.height, info.channels);
}

async function writeAtomically(path: string, data: Buffer): Promise<void> {
  const partial = partialPath(path);
  try {
    await writeFile(partial, data);
    await rename(partial, path);
  } catch (error) {
    await removeQuietly(partial);
    if (isDiskFull(error)) throw diskFullError(path, error);
    throw error;
  }
}

/**
 * Resizes `input` into `output` (written atomically) and hashes it, decoding the original once.
 * When the original is already small enough and upright it is moved into place unchanged (and `input`
 * is gone afterwards); otherwise `input` is left for the caller to remove.
 */
export async function processImage(
  input: string,
  output: string,
  options: ProcessOptions,
): Promise<ProcessedImage> {
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw rejectionFor(error);
  }
  const actual = FORMAT_BY_SHARP[meta.format];
  if (actual === undefined) {
    throw new ImageRejected('file-type', `the file is ${meta.format}, not png, jpg or webp`);
  }
  // The name decides the format, so a file whose content disagrees with its extension gets re-encoded.
  const format = FORMAT_BY_SHARP[extname(output).slice(1).toLowerCase()] ?? actual;
  const pixelCount = meta.width * meta.height;
  if (pixelCount > maxInputPixels) {
    throw new ImageRejected(
      'too-large',
      `${meta.width}×${meta.height} = ${(pixelCount / 1e6).toFixed(0)} MP is over the ${(maxInputPixels / 1e6).toFixed(0)} MP ` +
        'decoding limit (decompression bomb?)',
    );
  }
  const upright = (meta.orientation ?? 1) === 1;
  const orientedWidth = meta.autoOrient.width;
  const orientedHeight = meta.autoOrient.height;
  const needsResize = Math.min(orientedWidth, orientedHeight) > options.maxShortSide;

  if (!needsResize && upright && format === actual) {
    // Nothing to change: keep the original bytes. The hash decodes it fully, which also proves it is sound.
    let dhash: string;
    try {
      dhash = await dhashOf(input, maxInputPixels);
    } catch (error) {
      throw rejectionFor(error);
    }
    const bytes = (await stat(input)).size;
    const md5 =
      options.inputMd5 ??
      createHash('md5')
        .update(await readFile(input))
        .digest('hex');
    try {
      await rename(input, output);
    } catch (error) {
      if (isDiskFull(error)) throw diskFullError(output, error);
      throw error;
    }
    return {
      width: orientedWidth,
      height: orientedHeight,
      format,
      md5,
      dhash,
      bytes,
      resized: false,
      originalWidth: meta.width,
      originalHeight: meta.height,
    };
  }

  // Decode and resize once into memory, then encode and hash from those pixels: the hash costs a few
  // milliseconds instead of a second decode (the encoded PNG, or the original).
  let encoded: Buffer;
  let pixels: { data: Buffer; info: OutputInfo };
  try {
    pixels = await resizePipeline(input, options.maxShortSide, maxInputPixels)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = pixels.info;
    encoded = await encodeAs(sharp(pixels.data, { raw: { width, height, channels } }), format).toBuffer();
  } catch (error) {
    throw rejectionFor(error);
  }
  const { width, height, channels } = pixels.info;
  // About 512 samples along the short side are plenty for 9×8 cell averages.
  const dhash = dhashFromPixels(
    pixels.data,
    width,
    height,
    channels,
    Math.max(1, Math.floor(Math.min(width, height) / 512)),
  );
  await writeAtomically(output, encoded);
  return {
    width,
    height,
    format,
    md5: createHash('md5').update(encoded).digest('hex'),
    dhash,
    bytes: encoded.length,
    resized: needsResize,
    originalWidth: meta.width,
    originalHeight: meta.height,
  };
}

/** Size, md5 and dHash of an image already on disk (a file from an earlier run that we know nothing about). */
export async function describeImage(
  path: string,
): Promise<Omit<ProcessedImage, 'resized' | 'originalWidth' | 'originalHeight'>> {
  try {
    const data = await readFile(path);
    const meta = await sharp(data).metadata();
    const format = FORMAT_BY_SHARP[meta.format];
    if (format === undefined) throw new ImageRejected('file-type', `the file is ${meta.format}`);
    return {
      width: meta.autoOrient.width,
      height: meta.autoOrient.height,
      format,
      md5: createHash('md5').update(data).digest('hex'),
      dhash: await dhashOf(data),
      bytes: data.length,
    };
  } catch (error) {
    if (error instanceof ImageRejected) throw error;
    throw rejectionFor(error);
  }
}

/**
 * Where the cache keeps a post's image: by the md5 of the e621 file and the short-side limit it was
 * resized to, relative to DATA_DIR so another machine with another DATA_DIR finds the same path.
 */
export function cachedImagePath(md5: string, ext: string, maxShortSide: number): string {
  if (!/^[0-9a-f]{32}$/.test(md5)) throw new RangeError(`"${md5}" is not an md5`);
  if (!/^[a-z0-9]{1,5}$/.test(ext)) throw new RangeError(`"${ext}" is not a file extension`);
  return join('images', `s${maxShortSide}`, md5.slice(0, 2), `${md5}.${ext}`);
}
