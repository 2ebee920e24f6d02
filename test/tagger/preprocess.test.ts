import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preprocessImage } from '../../src/tagger/preprocess.ts';

const SIZE = 448;
/** BGR triple of the output pixel at (x, y). */
const pixel = (data: Float32Array, x: number, y: number, size = SIZE) => {
  const i = (y * size + x) * 3;
  return [data[i], data[i + 1], data[i + 2]];
};
const solid = (width: number, height: number, rgba: { r: number; g: number; b: number; alpha?: number }) =>
  sharp({ create: { width, height, channels: rgba.alpha === undefined ? 3 : 4, background: rgba } })
    .png()
    .toBuffer();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kiln-preprocess-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('preprocessImage (the reference’s preprocessing)', () => {
  it('returns float32 BGR 0–255 in NHWC order', async () => {
    const out = await preprocessImage(await solid(SIZE, SIZE, { r: 250, g: 100, b: 10 }), SIZE);
    expect(out).toBeInstanceOf(Float32Array);
    expect(out.length).toBe(SIZE * SIZE * 3);
    expect(pixel(out, 0, 0)).toEqual([10, 100, 250]);
    expect(pixel(out, SIZE - 1, SIZE - 1)).toEqual([10, 100, 250]);
  });

  it('composites transparency onto white (not the black a plain RGB conversion gives)', async () => {
    const clear = await preprocessImage(await solid(SIZE, SIZE, { r: 0, g: 0, b: 0, alpha: 0 }), SIZE);
    expect(pixel(clear, 100, 100)).toEqual([255, 255, 255]);
    const half = await preprocessImage(await solid(SIZE, SIZE, { r: 255, g: 0, b: 0, alpha: 0.5 }), SIZE);
    const [b, g, r] = pixel(half, 10, 10);
    expect(r).toBe(255);
    expect(b).toBeGreaterThanOrEqual(126);
    expect(b).toBeLessThanOrEqual(128);
    expect(g).toBe(b);
  });

  it('pads to a centred white square, offset (side − w) // 2 and (side − h) // 2', async () => {
    const out = await preprocessImage(await solid(SIZE, 223, { r: 255, g: 0, b: 0 }), SIZE);
    // 448 − 223 = 225: 112 rows of white above, 113 below.
    expect(pixel(out, 200, 111)).toEqual([255, 255, 255]);
    expect(pixel(out, 200, 112)).toEqual([0, 0, 255]);
    expect(pixel(out, 200, 334)).toEqual([0, 0, 255]);
    expect(pixel(out, 200, 335)).toEqual([255, 255, 255]);
    const tall = await preprocessImage(await solid(101, SIZE, { r: 0, g: 0, b: 255 }), SIZE);
    // 448 − 101 = 347: 173 columns left, 174 right.
    expect(pixel(tall, 172, 50)).toEqual([255, 255, 255]);
    expect(pixel(tall, 173, 50)).toEqual([255, 0, 0]);
    expect(pixel(tall, 273, 50)).toEqual([255, 0, 0]);
    expect(pixel(tall, 274, 50)).toEqual([255, 255, 255]);
  });

  it('resizes large images down and small ones up to the model size', async () => {
    const halves = await sharp({
      create: { width: 1792, height: 1792, channels: 3, background: { r: 255, g: 0, b: 0 } },
    })
      .composite([{ input: await solid(896, 1792, { r: 0, g: 0, b: 255 }), left: 896, top: 0 }])
      .png()
      .toBuffer();
    const down = await preprocessImage(halves, SIZE);
    expect(pixel(down, 100, 300)).toEqual([0, 0, 255]);
    expect(pixel(down, 348, 300)).toEqual([255, 0, 0]);
    // The filter blends only near the seam.
    const seam = pixel(down, 223, 300);
    expect(seam[0]).toBeGreaterThan(0);
    expect(seam[2]).toBeGreaterThan(0);
    const up = await preprocessImage(await solid(60, 60, { r: 0, g: 200, b: 0 }), 384);
    expect(up.length).toBe(384 * 384 * 3);
    expect(pixel(up, 0, 0, 384)).toEqual([0, 200, 0]);
    expect(pixel(up, 383, 383, 384)).toEqual([0, 200, 0]);
  });

  it('gives greyscale and 16-bit images three 8-bit channels', async () => {
    const grey = await sharp(Buffer.alloc(64 * 64, 90), { raw: { width: 64, height: 64, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    expect(pixel(await preprocessImage(grey, SIZE), 5, 5)).toEqual([90, 90, 90]);
    const deep = await sharp(await solid(64, 64, { r: 255, g: 128, b: 0 }))
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    expect((await sharp(deep).metadata()).depth).toBe('ushort');
    const [b, g, r] = pixel(await preprocessImage(deep, SIZE), 5, 5);
    expect([b, r]).toEqual([0, 255]);
    expect(g).toBeGreaterThanOrEqual(127);
    expect(g).toBeLessThanOrEqual(129);
  });

  it('reads files by path and names a file that is not an image', async () => {
    const good = join(dir, 'good.jpg');
    await writeFile(
      good,
      await sharp(await solid(300, 300, { r: 0, g: 0, b: 0 }))
        .jpeg()
        .toBuffer(),
    );
    expect(pixel(await preprocessImage(good, SIZE), 200, 200)).toEqual([0, 0, 0]);
    const bad = join(dir, 'broken.png');
    await writeFile(bad, 'not an image at all');
    await expect(preprocessImage(bad, SIZE)).rejects.toMatchObject({
      code: 'invalid-image',
      message: expect.stringContaining(bad) as string,
    });
  });

  it('keeps memory at the model size for a 600×20000 strip (resized first, padded after)', async () => {
    const strip = join(dir, 'strip.png');
    await writeFile(strip, await solid(600, 20_000, { r: 0, g: 0, b: 255 }));
    const peakBefore = process.resourceUsage().maxRSS; // KiB
    const out = await preprocessImage(strip, SIZE);
    const grownMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024;
    // Padding to a 20000² square first peaked at over 1.2 GB here.
    expect(grownMiB).toBeLessThan(400);
    expect(pixel(out, SIZE / 2, 100)).toEqual([255, 0, 0]);
    expect(pixel(out, 0, 100)).toEqual([255, 255, 255]);
  });
});
