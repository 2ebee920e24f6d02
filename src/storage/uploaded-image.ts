import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { Agent, interceptors, request } from 'undici';
import { UserError } from '../core/errors.ts';

/** A replacement may be large (edited originals), but not absurd. */
export const MAX_UPLOAD_BYTES = 25 * 1024 * 1024;
/** Same pixel ceiling as the fetch pipeline: anything bigger is treated as a decompression bomb. */
export const MAX_UPLOAD_PIXELS = 150_000_000;
const FORMATS = new Set(['png', 'jpeg', 'webp']);
/**
 * Discord's CDN may redirect once or twice. A dispatcher of our own follows them: the process-wide one may be
 * Node's bundled undici, which no longer takes a per-request redirect option.
 */
const uploads = new Agent().compose(interceptors.redirect({ maxRedirections: 2 }));

export interface CheckedImage {
  data: Buffer;
  md5: string;
  format: string;
  width: number;
  height: number;
}

/** Downloads a user's upload and proves it is a sane image before anything is stored. */
export async function fetchUploadedImage(
  url: string,
  declared: { name: string; size: number },
): Promise<CheckedImage> {
  if (declared.size > MAX_UPLOAD_BYTES) {
    throw new UserError(
      'invalid-image',
      `\`${declared.name}\` is ${(declared.size / 1048576).toFixed(1)} MiB; replacements can be at most ${MAX_UPLOAD_BYTES / 1048576} MiB.`,
    );
  }
  const response = await request(url, { dispatcher: uploads, headersTimeout: 15_000, bodyTimeout: 30_000 });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new UserError(
      'invalid-image',
      `Could not download \`${declared.name}\` from Discord (HTTP ${response.statusCode}).`,
    );
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += (chunk as Buffer).length;
    if (size > MAX_UPLOAD_BYTES)
      throw new UserError(
        'invalid-image',
        `\`${declared.name}\` is larger than ${MAX_UPLOAD_BYTES / 1048576} MiB.`,
      );
    chunks.push(chunk as Buffer);
  }
  return checkImageBytes(Buffer.concat(chunks), declared.name);
}

export async function checkImageBytes(data: Buffer, name: string): Promise<CheckedImage> {
  let meta;
  try {
    meta = await sharp(data, { limitInputPixels: MAX_UPLOAD_PIXELS }).metadata();
  } catch (error) {
    throw new UserError(
      'invalid-image',
      `\`${name}\` is not an image Kiln can read (${(error as Error).message}).`,
    );
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new UserError(
      'invalid-image',
      `\`${name}\` is ${meta.format ?? 'of an unknown format'}; upload a PNG, JPEG or WebP.`,
    );
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (width * height > MAX_UPLOAD_PIXELS) {
    throw new UserError(
      'invalid-image',
      `\`${name}\` is ${width}×${height} pixels, over the ${MAX_UPLOAD_PIXELS / 1e6} megapixel limit (refused as a possible decompression bomb).`,
    );
  }
  try {
    // Decoding the whole image proves it is not truncated or corrupt past its header.
    await sharp(data, { limitInputPixels: MAX_UPLOAD_PIXELS }).stats();
  } catch (error) {
    throw new UserError('invalid-image', `\`${name}\` is damaged (${(error as Error).message}).`);
  }
  return { data, md5: createHash('md5').update(data).digest('hex'), format: meta.format, width, height };
}
