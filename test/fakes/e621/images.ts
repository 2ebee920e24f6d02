import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Pictures for the fake e621, generated with sharp and cached on disk (large ones take a moment): smooth
 * colour fields with line shapes, so they compress and resize like artwork rather than noise. The same
 * seed always gives the same picture; `variant` adds a small mark (a near duplicate).
 */

export type FakeFormat = 'png' | 'jpg' | 'webp' | 'gif';

export interface ImageSpec {
  seed: number;
  width: number;
  height: number;
  format: FakeFormat;
  /** 0 for the picture itself; another number adds a small mark (a near duplicate of variant 0). */
  variant?: number;
  /** EXIF orientation to write (jpg only); the pixels stay as generated. */
  orientation?: number;
  /** Serve only the first 60 % of the bytes (e621 itself holding a broken file; the md5 matches it). */
  corrupt?: boolean;
  /** A PNG whose header claims `width`×`height` with almost no data behind it. */
  bomb?: boolean;
}

export interface GeneratedImage {
  path: string;
  md5: string;
  size: number;
}

export const DEFAULT_IMAGE_CACHE = resolve('.tmp/fake-e621-images');

/** Seeded PRNG (mulberry32): the same seed gives the same picture on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function cacheKey(spec: ImageSpec): string {
  const parts = [
    'v2',
    spec.seed,
    `${spec.width}x${spec.height}`,
    spec.variant ?? 0,
    spec.orientation ?? 1,
    spec.corrupt ? 'corrupt' : 'ok',
    spec.bomb ? 'bomb' : 'real',
  ];
  return `${parts.join('-')}.${spec.format}`;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A decompression bomb in miniature: a valid PNG header for a huge canvas, a few bytes of pixels. */
export function bombPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('IDAT', deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Renders the picture for a spec (no cache). */
export async function renderImage(spec: ImageSpec): Promise<Buffer> {
  if (spec.bomb) return bombPng(spec.width, spec.height);
  const random = seededRandom(spec.seed);
  const gridWidth = 16;
  const gridHeight = 12;
  const noise = Buffer.alloc(gridWidth * gridHeight * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(random() * 256);
  const { width, height } = spec;
  const unit = Math.min(width, height);
  let shapes = '';
  for (let i = 0; i < 10; i++) {
    const x = random() * width;
    const y = random() * height;
    const r = unit * (0.04 + random() * 0.12);
    const grey = Math.floor(random() * 80);
    shapes += `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" fill="none" stroke="rgb(${grey},${grey},${grey})" stroke-width="${(unit / 150).toFixed(1)}"/>`;
  }
  if ((spec.variant ?? 0) !== 0) {
    const mark = seededRandom(spec.seed * 31 + (spec.variant ?? 0));
    const x = width * (0.1 + mark() * 0.8);
    const y = height * (0.1 + mark() * 0.8);
    shapes += `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(unit * 0.03).toFixed(1)}" height="${(unit * 0.03).toFixed(1)}" fill="rgb(250,250,250)"/>`;
  }
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${shapes}</svg>`,
  );
  let pipeline = sharp(noise, { raw: { width: gridWidth, height: gridHeight, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .composite([{ input: svg }]);
  switch (spec.format) {
    case 'png':
      pipeline = pipeline.png({ compressionLevel: 2 });
      break;
    case 'jpg':
      pipeline = pipeline.jpeg({ quality: 90 });
      if (spec.orientation && spec.orientation !== 1)
        pipeline = pipeline.withMetadata({ orientation: spec.orientation });
      break;
    case 'webp':
      pipeline = pipeline.webp({ quality: 85 });
      break;
    case 'gif':
      pipeline = pipeline.gif();
      break;
  }
  const data = await pipeline.toBuffer();
  return spec.corrupt ? data.subarray(0, Math.floor(data.length * 0.6)) : data;
}

const inFlight = new Map<string, Promise<GeneratedImage>>();

/** The picture for a spec, from the disk cache or rendered into it. */
export function generateImage(spec: ImageSpec, cacheDir = DEFAULT_IMAGE_CACHE): Promise<GeneratedImage> {
  const key = cacheKey(spec);
  const path = join(cacheDir, key);
  const existing = inFlight.get(path);
  if (existing) return existing;
  const promise = (async () => {
    try {
      const meta = JSON.parse(await readFile(`${path}.json`, 'utf8')) as { md5: string; size: number };
      if ((await stat(path)).size === meta.size) return { path, md5: meta.md5, size: meta.size };
    } catch {
      // Not cached yet.
    }
    const data = await renderImage(spec);
    await mkdir(cacheDir, { recursive: true });
    const md5 = createHash('md5').update(data).digest('hex');
    const partial = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.part`;
    await writeFile(partial, data);
    await rename(partial, path);
    await writeFile(`${path}.json`, JSON.stringify({ md5, size: data.length }));
    return { path, md5, size: data.length };
  })();
  inFlight.set(path, promise);
  promise.catch(() => inFlight.delete(path));
  return promise;
}

/** A small JPEG of the same picture (e621's preview and sample files). */
export async function renderThumbnail(spec: ImageSpec, longSide: number): Promise<Buffer> {
  const scale = longSide / Math.max(spec.width, spec.height);
  const small = {
    ...spec,
    width: Math.max(1, Math.round(spec.width * scale)),
    height: Math.max(1, Math.round(spec.height * scale)),
    format: 'jpg' as const,
    corrupt: false,
    bomb: false,
  };
  return renderImage(small);
}
