import sharp, { type Metadata } from 'sharp';
import { UserError } from '../core/errors.ts';

/**
 * The taggers' preprocessing, as in the WD author's own code (the reference): alpha composited onto white,
 * padded with white to a centred square (offset `(side − w) // 2`, `(side − h) // 2`), resized to the model's
 * size with a bicubic filter (libvips' `cubic` is Catmull-Rom, like PIL's BICUBIC; small images are upscaled
 * too), then float32 0–255 in BGR order, NHWC. Raw buffers all the way; nothing is encoded in between.
 *
 * Padding happens before resizing, as in the reference, so the filter blends the edge with white exactly as
 * there. sharp always resizes before it extends within one pipeline, hence two pipelines when resizing.
 * One known difference: for reductions beyond 2× libvips first box-shrinks by a whole factor, then applies the
 * cubic kernel to the rest, where PIL convolves once; scores move by far less than the thresholds' steps.
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
    const side = Math.max(width, height);
    const left = Math.floor((side - width) / 2);
    const top = Math.floor((side - height) / 2);
    const padded = decoded.extend({
      left,
      top,
      right: side - width - left,
      bottom: side - height - top,
      background: WHITE,
    });
    if (side === size) {
      pixels = await padded.raw({ depth: 'uchar' }).toBuffer();
    } else {
      const square = await padded.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      pixels = await sharp(square.data, {
        raw: { width: square.info.width, height: square.info.height, channels: square.info.channels },
      })
        .resize(size, size, { kernel: 'cubic', fit: 'fill' })
        .raw({ depth: 'uchar' })
        .toBuffer();
    }
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
