import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hammingDistance, DEFAULT_NEAR_DUPLICATE_DISTANCE } from '../../src/core/dedupe/index.ts';
import { cachedImagePath, dhashOf, ImageRejected, processImage } from '../../src/storage/images.ts';
import { bombPng, renderImage, type ImageSpec } from '../fakes/e621/index.ts';

let dir: string;

async function input(name: string, spec: ImageSpec): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, await renderImage(spec));
  return path;
}

async function rejection(promise: Promise<unknown>): Promise<ImageRejected> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ImageRejected) return error;
    throw error;
  }
  throw new Error('expected the image to be rejected');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-images-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resizing', () => {
  it('brings the short side down to the limit, keeping the aspect ratio and the format', async () => {
    for (const format of ['png', 'jpg', 'webp'] as const) {
      const source = await input(`big.${format}`, { seed: 1, width: 900, height: 600, format });
      const output = join(dir, `out.${format}`);
      const image = await processImage(source, output, { maxShortSide: 300 });
      expect(image).toMatchObject({ width: 450, height: 300, format, resized: true, originalWidth: 900 });
      const meta = await sharp(output).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual([format === 'jpg' ? 'jpeg' : format, 450, 300]);
      expect(image.md5).toBe(
        createHash('md5')
          .update(await readFile(output))
          .digest('hex'),
      );
    }
  });

  it('never upscales: a small upright image is kept byte for byte', async () => {
    const source = await input('small.png', { seed: 2, width: 200, height: 120, format: 'png' });
    const original = await readFile(source);
    const output = join(dir, 'small-out.png');
    const image = await processImage(source, output, { maxShortSide: 2048 });
    expect(image).toMatchObject({ width: 200, height: 120, resized: false });
    expect(Buffer.compare(await readFile(output), original)).toBe(0);
  });

  it('applies the EXIF orientation', async () => {
    const source = await input('rotated.jpg', {
      seed: 3,
      width: 300,
      height: 200,
      format: 'jpg',
      orientation: 6,
    });
    const output = join(dir, 'rotated-out.jpg');
    const image = await processImage(source, output, { maxShortSide: 2048 });
    expect([image.width, image.height]).toEqual([200, 300]);
    const meta = await sharp(output).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([200, 300, 1]);
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    const source = join(dir, 'bomb.png');
    await writeFile(source, bombPng(30_000, 30_000));
    const error = await rejection(processImage(source, join(dir, 'bomb-out.png'), { maxShortSide: 2048 }));
    expect(error.code).toBe('too-large');
    expect(error.message).toMatch(/30000×30000 = 900 MP is over the 150 MP/);
  });

  it('refuses an image over a lower pixel limit', async () => {
    const source = await input('limit.png', { seed: 4, width: 400, height: 300, format: 'png' });
    const error = await rejection(
      processImage(source, join(dir, 'limit-out.png'), { maxShortSide: 100, maxInputPixels: 100_000 }),
    );
    expect(error.code).toBe('too-large');
  });

  it('refuses corrupt files with a reason and leaves no output', async () => {
    const truncated = await input('broken.png', {
      seed: 5,
      width: 300,
      height: 300,
      format: 'png',
      corrupt: true,
    });
    const error = await rejection(
      processImage(truncated, join(dir, 'broken-out.png'), { maxShortSide: 2048 }),
    );
    expect(error.code).toBe('corrupt');
    const text = join(dir, 'text.jpg');
    await writeFile(text, '<html>not an image</html>');
    expect(
      (await rejection(processImage(text, join(dir, 'text-out.jpg'), { maxShortSide: 2048 }))).code,
    ).toBe('corrupt');
    const files = await readdir(dir);
    expect(files.filter((file) => file.includes('-out') && file.startsWith('broken'))).toEqual([]);
    expect(files.some((file) => file.endsWith('.part'))).toBe(false);
  });
});

describe('perceptual hash', () => {
  it('puts a resized copy and a marked variant within the near-duplicate distance, other pictures far', async () => {
    const original = await renderImage({ seed: 10, width: 640, height: 480, format: 'png' });
    const smaller = await renderImage({ seed: 10, width: 320, height: 240, format: 'jpg' });
    const marked = await renderImage({ seed: 10, width: 640, height: 480, format: 'png', variant: 1 });
    const other = await renderImage({ seed: 11, width: 640, height: 480, format: 'png' });
    const [a, b, c, d] = await Promise.all([original, smaller, marked, other].map((data) => dhashOf(data)));
    expect(hammingDistance(a!, b!)).toBeLessThanOrEqual(DEFAULT_NEAR_DUPLICATE_DISTANCE);
    expect(hammingDistance(a!, c!)).toBeLessThanOrEqual(DEFAULT_NEAR_DUPLICATE_DISTANCE);
    expect(hammingDistance(a!, d!)).toBeGreaterThan(12);
  });

  it('hashes the stored result like the original', async () => {
    const source = await input('hash.png', { seed: 12, width: 1200, height: 800, format: 'png' });
    const fromSource = await dhashOf(source);
    const image = await processImage(source, join(dir, 'hash-out.png'), { maxShortSide: 256 });
    expect(hammingDistance(fromSource, image.dhash)).toBeLessThanOrEqual(2);
  });
});

describe('the image cache', () => {
  it('keys files by md5 and short-side limit, relative to DATA_DIR', () => {
    expect(cachedImagePath('0123456789abcdef0123456789abcdef', 'png', 2048)).toBe(
      'images/s2048/01/0123456789abcdef0123456789abcdef.png',
    );
    expect(() => cachedImagePath('../etc/passwd', 'png', 2048)).toThrow(/not an md5/);
  });
});
