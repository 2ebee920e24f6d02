import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.ts';
import { materializeRunFolder, type MaterializeItem } from '../../src/trainer/materialize.ts';
import { temporaryDir, writeJpeg } from './helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let sources: string;
let runCount = 0;

/** Left half red, right half blue. */
async function twoColourPng(path: string): Promise<void> {
  const width = 200;
  const height = 100;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 3;
      if (x < width / 2) pixels[offset] = 255;
      else pixels[offset + 2] = 255;
    }
  }
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
}

/** Top half fully transparent, bottom half red at 50% alpha. */
async function transparentPng(path: string): Promise<void> {
  const width = 64;
  const height = 64;
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = height / 2; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = (y * width + x) * 4;
      pixels[offset] = 255;
      pixels[offset + 3] = 128;
    }
  }
  await sharp(pixels, { raw: { width, height, channels: 4 } })
    .png()
    .toFile(path);
}

async function pixel(path: string, x: number, y: number): Promise<number[]> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const offset = (y * info.width + x) * info.channels;
  return [...data.subarray(offset, offset + info.channels)];
}

function nextRunDir(): string {
  runCount++;
  return join(tmp.dir, `run${runCount}`);
}

async function expectUserError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).code).toBe(code);
  expect((error as UserError).message).toMatch(pattern);
}

beforeAll(async () => {
  tmp = await temporaryDir('kiln-materialize-');
  sources = join(tmp.dir, 'sources');
  await (await import('node:fs/promises')).mkdir(sources);
  await twoColourPng(join(sources, 'halves.png'));
  await transparentPng(join(sources, 'alpha.png'));
  await writeJpeg(join(sources, 'photo.jpg'), 300, 200, '#336699');
  // EXIF orientation 6: stored 300×200, shown 200×300 (rotated 90° clockwise).
  await sharp({ create: { width: 300, height: 200, channels: 3, background: '#00ff00' } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toFile(join(sources, 'rotated.jpg'));
});
afterAll(async () => {
  await tmp.remove();
});

describe('materializeRunFolder', () => {
  it('builds img/10_<tag> with one image and one caption per item', async () => {
    const runDir = nextRunDir();
    const folder = await materializeRunFolder({
      runDir,
      mainTag: 'krystal',
      repeats: 10,
      items: [
        { sourcePath: join(sources, 'photo.jpg'), name: 'p1', caption: 'krystal, solo' },
        { sourcePath: join(sources, 'halves.png'), name: 'p2', caption: '  krystal, red, blue  ' },
      ],
    });
    expect(folder.imageDir).toBe(join(runDir, 'img', '10_krystal'));
    expect((await readdir(folder.imageDir)).sort()).toEqual(['p1.jpg', 'p1.txt', 'p2.png', 'p2.txt']);
    expect(await readFile(join(folder.imageDir, 'p2.txt'), 'utf8')).toBe('krystal, red, blue');
    expect((await readdir(runDir)).sort()).toEqual(['img']);
  });

  it('copies an untouched JPEG byte for byte', async () => {
    const folder = await materializeRunFolder({
      runDir: nextRunDir(),
      mainTag: 'krystal',
      repeats: 10,
      items: [{ sourcePath: join(sources, 'photo.jpg'), name: 'p', caption: 'krystal' }],
    });
    expect(folder.images[0]).toMatchObject({ action: 'copied', width: 300, height: 200 });
    expect(
      Buffer.compare(await readFile(folder.images[0]!.imagePath), await readFile(join(sources, 'photo.jpg'))),
    ).toBe(0);
  });

  it('applies a crop: only the cropped pixels remain', async () => {
    const folder = await materializeRunFolder({
      runDir: nextRunDir(),
      mainTag: 'krystal',
      repeats: 10,
      items: [
        {
          sourcePath: join(sources, 'halves.png'),
          name: 'right',
          caption: 'krystal',
          crop: { left: 100, top: 10, width: 100, height: 80 },
        },
      ],
    });
    const image = folder.images[0]!;
    expect(image).toMatchObject({ action: 'converted', width: 100, height: 80 });
    expect(image.imagePath.endsWith('.png')).toBe(true);
    expect(await pixel(image.imagePath, 0, 0)).toEqual([0, 0, 255]);
    expect(await pixel(image.imagePath, 99, 79)).toEqual([0, 0, 255]);
  });

  it('flattens alpha onto white', async () => {
    const folder = await materializeRunFolder({
      runDir: nextRunDir(),
      mainTag: 'krystal',
      repeats: 10,
      items: [{ sourcePath: join(sources, 'alpha.png'), name: 'a', caption: 'krystal' }],
    });
    const path = folder.images[0]!.imagePath;
    const meta = await sharp(path).metadata();
    expect(meta.hasAlpha).toBe(false);
    expect(meta.channels).toBe(3);
    expect(await pixel(path, 10, 10)).toEqual([255, 255, 255]);
    const [r, g, b] = await pixel(path, 10, 50);
    expect(r).toBe(255);
    expect(Math.abs(g! - 127)).toBeLessThanOrEqual(1);
    expect(Math.abs(b! - 127)).toBeLessThanOrEqual(1);
  });

  it('keeps a cropped JPEG as JPEG and applies EXIF rotation before the crop', async () => {
    const folder = await materializeRunFolder({
      runDir: nextRunDir(),
      mainTag: 'krystal',
      repeats: 10,
      items: [
        { sourcePath: join(sources, 'rotated.jpg'), name: 'upright', caption: 'krystal' },
        {
          sourcePath: join(sources, 'rotated.jpg'),
          name: 'cropped',
          caption: 'krystal',
          crop: { left: 0, top: 150, width: 200, height: 150 },
        },
      ],
    });
    const [upright, cropped] = folder.images;
    expect(upright).toMatchObject({ action: 'converted', width: 200, height: 300 });
    expect(upright!.imagePath.endsWith('.jpg')).toBe(true);
    expect(cropped).toMatchObject({ width: 200, height: 150 });
    const meta = await sharp(upright!.imagePath).metadata();
    expect([meta.width, meta.height, meta.orientation ?? 1]).toEqual([200, 300, 1]);
  });

  it('makes the folder name safe and keeps it inside the run folder', async () => {
    const runDir = nextRunDir();
    const folder = await materializeRunFolder({
      runDir,
      mainTag: '../../evil',
      repeats: 10,
      items: [{ sourcePath: join(sources, 'photo.jpg'), name: 'p', caption: '../../evil, solo' }],
    });
    expect(folder.imageDir).toBe(join(runDir, 'img', '10_evil'));
  });

  it('replaces the previous build of the same run folder', async () => {
    const runDir = nextRunDir();
    const items = (name: string): MaterializeItem[] => [
      { sourcePath: join(sources, 'photo.jpg'), name, caption: 'krystal' },
    ];
    await materializeRunFolder({ runDir, mainTag: 'krystal', repeats: 10, items: items('old') });
    const folder = await materializeRunFolder({
      runDir,
      mainTag: 'krystal',
      repeats: 10,
      items: items('new'),
    });
    expect((await readdir(folder.imageDir)).sort()).toEqual(['new.jpg', 'new.txt']);
  });
});

describe('materializeRunFolder refuses bad input and leaves nothing behind', () => {
  it('refuses a source that does not exist, naming the image and its post, not the path', async () => {
    const runDir = nextRunDir();
    const missing = join(sources, 'missing.png');
    const error = await materializeRunFolder({
      runDir,
      mainTag: 'krystal',
      repeats: 10,
      items: [{ sourcePath: missing, name: 'x', caption: 'krystal', postId: 4242 }],
    }).catch((e: unknown) => e as UserError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('not-found');
    expect((error as UserError).message).toBe('1 source image does not exist: image x (e621 post #4242)');
    await expect(readdir(runDir)).rejects.toThrow();
  });

  it('refuses a caption that does not start with the main tag', async () => {
    await expectUserError(
      materializeRunFolder({
        runDir: nextRunDir(),
        mainTag: 'krystal',
        repeats: 10,
        items: [{ sourcePath: join(sources, 'photo.jpg'), name: 'x', caption: 'solo, krystal' }],
      }),
      'invalid-tag',
      /must start with the main tag "krystal", but starts with "solo"/,
    );
  });

  it('refuses unsafe and duplicate names', async () => {
    const item = (name: string): MaterializeItem => ({
      sourcePath: join(sources, 'photo.jpg'),
      name,
      caption: 'krystal',
    });
    await expectUserError(
      materializeRunFolder({ runDir: nextRunDir(), mainTag: 'krystal', repeats: 10, items: [item('../x')] }),
      'invalid-option',
      /not usable as a file name/,
    );
    await expectUserError(
      materializeRunFolder({ runDir: nextRunDir(), mainTag: 'krystal', repeats: 10, items: [item('nul')] }),
      'invalid-option',
      /not usable as a file name/,
    );
    await expectUserError(
      materializeRunFolder({
        runDir: nextRunDir(),
        mainTag: 'krystal',
        repeats: 10,
        items: [item('A'), item('a')],
      }),
      'invalid-option',
      /both named/,
    );
  });

  it('refuses a crop outside the image and removes the half-built folder', async () => {
    const runDir = nextRunDir();
    await expectUserError(
      materializeRunFolder({
        runDir,
        mainTag: 'krystal',
        repeats: 10,
        items: [
          { sourcePath: join(sources, 'photo.jpg'), name: 'ok', caption: 'krystal' },
          {
            sourcePath: join(sources, 'halves.png'),
            name: 'bad',
            caption: 'krystal',
            crop: { left: 150, top: 0, width: 100, height: 50 },
          },
        ],
      }),
      'invalid-crop',
      /does not fit inside its 200×100 image/,
    );
    expect(await readdir(runDir)).toEqual([]);
  });

  it('one failing image: waits for the others, names the post, quotes no path and leaves no folder', async () => {
    // Big enough that their writes are still under way when the broken one fails.
    const big = join(sources, 'big.png');
    await sharp({ create: { width: 2400, height: 2400, channels: 4, background: '#ff000080' } })
      .png()
      .toFile(big);
    const broken = join(sources, 'broken.png');
    await writeFile(broken, 'not a picture');
    const runDir = nextRunDir();
    const items: MaterializeItem[] = Array.from({ length: 6 }, (_, i) => ({
      sourcePath: big,
      name: `${100 + i}`,
      caption: 'krystal',
      postId: 100 + i,
    }));
    items.splice(1, 0, { sourcePath: broken, name: '777', caption: 'krystal', postId: 777 });
    const error = await materializeRunFolder({
      runDir,
      mainTag: 'krystal',
      repeats: 10,
      items,
      concurrency: 7,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    const message = (error as UserError).message;
    expect(message).toMatch(/^Cannot read image 777 \(e621 post #777\): /);
    expect(message).not.toContain(tmp.dir);
    expect(message).not.toMatch(/ENOTEMPTY/);
    // Nothing is still being written after the error: the run folder stays empty.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await readdir(runDir)).toEqual([]);
  });

  it('refuses a file that is not an image', async () => {
    const path = join(sources, 'not-an-image.png');
    await writeFile(path, 'hello');
    await expectUserError(
      materializeRunFolder({
        runDir: nextRunDir(),
        mainTag: 'krystal',
        repeats: 10,
        items: [{ sourcePath: path, name: 'x', caption: 'krystal' }],
      }),
      'invalid-image',
      /Cannot read image/,
    );
  });
});
