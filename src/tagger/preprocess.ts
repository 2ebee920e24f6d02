import sharp, { type Metadata } from 'sharp';
import { UserError } from '../core/errors.ts';

/**
 * The taggers' preprocessing, after the WD author's own code (the reference): alpha composited onto white,
 * a centred white square, the model's size via a bicubic filter (libvips' `cubic` is Catmull-Rom, like PIL's
 * BICUBIC; small images are upscaled too), then float32 0–255 in BGR order, NHWC. Raw buffers all the way.
 *
 * One deliberate difference: the reference pads to a full-size square and then resizes; here the image is
 * resized (long side to the model size) and then padded, so memory stays at the model size for any shape.
 * Only the one-pixel seam where the image meets the white padding blends differently. Another known
 * difference: for reductions beyond 2× libvips first box-shrinks by a whole factor, then applies the cubic
 * kernel to the rest, where PIL convolves once; scores move by far less than the thresholds' steps.
 * EXIF orientation is not applied (PIL's `Image.open` does not either).
 */

const WHITE = { r: 255, g: 255, b: 255, alpha: 1 };

export const VALUES_PER_PIXEL = 3;

/** Preprocesses one image into `target` (NHWC BGR) at `offset` (in floats). */
export async function preprocessInto(
  input: string | Buffer,
  size: number,
  target: Float32Array,
  offset = 0,
): Promise<void> {
  const label = typeof input === 'string' ? input : 'the image';
  let pixels: Buffer;
  try {
    const decoded = sharp(input).flatten({ background: WHITE }).toColourspace('srgb');
    const { width, height } = imageSize(await decoded.metadata());
    // Resized first, padded after: the padded square of a 600×20000 image would be 1.2 GB of pixels.
    const scale = size / Math.max(width, height);
    const resizedWidth = Math.max(1, Math.min(size, Math.round(width * scale)));
    const resizedHeight = Math.max(1, Math.min(size, Math.round(height * scale)));
    const left = Math.floor((size - resizedWidth) / 2);
    const top = Math.floor((size - resizedHeight) / 2);
    const resized =
      resizedWidth === width && resizedHeight === height
        ? decoded
        : decoded.resize(resizedWidth, resizedHeight, { kernel: 'cubic', fit: 'fill' });
    pixels = await resized
      .extend({
        left,
        top,
        right: size - resizedWidth - left,
        bottom: size - resizedHeight - top,
        background: WHITE,
      })
      .raw({ depth: 'uchar' })
      .toBuffer();
  } catch (error) {
    throw new UserError('invalid-image', `Cannot read ${label} as an image: ${(error as Error).message}`);
  }
  const count = size * size;
  if (pixels.length !== count * VALUES_PER_PIXEL) {
    throw new UserError(
      'invalid-image',
      `Preprocessing ${label} gave ${pixels.length} bytes, not ${count * 3}.`,
    );
  }
  if (target.length < offset + count * VALUES_PER_PIXEL) throw new RangeError('target buffer too small');
  for (let i = 0, o = offset; i < pixels.length; i += 3, o += 3) {
    target[o] = pixels[i + 2] ?? 0;
    target[o + 1] = pixels[i + 1] ?? 0;
    target[o + 2] = pixels[i] ?? 0;
  }
}

/** One image as the model's input: float32 `[size, size, 3]`, BGR, 0–255. */
export async function preprocessImage(input: string | Buffer, size: number): Promise<Float32Array> {
  const target = new Float32Array(size * size * VALUES_PER_PIXEL);
  await preprocessInto(input, size, target, 0);
  return target;
}

function imageSize(metadata: Metadata): { width: number; height: number } {
  if (!metadata.width || !metadata.height) throw new Error('no image dimensions');
  return { width: metadata.width, height: metadata.height };
}
