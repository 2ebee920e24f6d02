import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { materializeRunFolder, type MaterializeItem } from '../src/trainer/materialize.ts';

/**
 * bench/materialize: builds the run folder for 100 kept images of realistic size (short side 1500–2048 px, as the
 * fetch keeps them for cropping), a quarter of them cropped (headshots), some PNGs with alpha; prints the time,
 * the time of a plain copy of the same source bytes in the same run, and the ratio.
 *
 * Sources are 12 distinct images (blurred noise, which compresses like shaded artwork rather than like a flat
 * fill) copied to 100 files, so generating them stays within the time budget.
 */

interface Source {
  path: string;
  format: 'jpeg' | 'png';
  alpha: boolean;
  width: number;
  height: number;
}

async function makeSource(dir: string, index: number): Promise<Source> {
  const shortSide = 1500 + Math.round((index * 548) / 11);
  const portrait = index % 3 !== 0;
  const longSide = Math.round(shortSide * (1.2 + (index % 4) * 0.1));
  const width = portrait ? shortSide : longSide;
  const height = portrait ? longSide : shortSide;
  const png = index % 4 === 3;
  const alpha = png && index % 8 === 7;
  const channels = alpha ? 4 : 3;
  const base = sharp({
    create: {
      width,
      height,
      channels,
      background: { r: 120, g: 90, b: 160, alpha: 1 },
      noise: { type: 'gaussian', mean: 128, sigma: 40 },
    },
  }).blur(2.5);
  const path = join(dir, `source-${index}.${png ? 'png' : 'jpg'}`);
  if (png) await base.png().toFile(path);
  else await base.jpeg({ quality: 90 }).toFile(path);
  return { path, format: png ? 'png' : 'jpeg', alpha, width, height };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

export async function run(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'kiln-bench-materialize-'));
  try {
    const sourceDir = join(root, 'sources');
    await mkdir(sourceDir);
    const distinct: Source[] = [];
    for (let i = 0; i < 12; i++) distinct.push(await makeSource(sourceDir, i));

    const items: MaterializeItem[] = [];
    let bytes = 0;
    let crops = 0;
    let alphas = 0;
    for (let i = 0; i < 100; i++) {
      const source = distinct[i % distinct.length]!;
      const path = join(sourceDir, `kept-${i}.${source.format === 'png' ? 'png' : 'jpg'}`);
      await copyFile(source.path, path);
      bytes += (await stat(path)).size;
      if (source.alpha) alphas++;
      const item: MaterializeItem = {
        sourcePath: path,
        name: `post-${i}`,
        caption: 'krystal, solo, blue fur, standing',
      };
      if (i % 4 === 0) {
        // A head crop: a square from the top third.
        const side = Math.round(Math.min(source.width, source.height) * 0.5);
        item.crop = {
          left: Math.round((source.width - side) / 2),
          top: Math.round(source.height * 0.05),
          width: side,
          height: side,
        };
        crops++;
      }
      items.push(item);
    }

    const concurrency = Math.max(2, availableParallelism());
    // Baseline: a plain copy of the same source bytes, same concurrency.
    const copyDir = join(root, 'copy');
    await mkdir(copyDir);
    const limit = pLimit(concurrency);
    const copyStart = performance.now();
    await Promise.all(items.map((item, i) => limit(() => copyFile(item.sourcePath, join(copyDir, `${i}`)))));
    const copyMs = performance.now() - copyStart;

    const start = performance.now();
    const folder = await materializeRunFolder({
      runDir: join(root, 'run'),
      mainTag: 'krystal',
      repeats: 10,
      items,
      concurrency,
    });
    const materializeMs = performance.now() - start;
    const converted = folder.images.filter((image) => image.action === 'converted').length;

    process.stdout.write(
      [
        'materialize: run folder for 100 kept images',
        `  sources: ${(bytes / 1024 / 1024).toFixed(1)} MiB; ${crops} cropped, ${alphas} with alpha; short sides 1500–2048 px; concurrency ${concurrency}`,
        `  materialize: ${seconds(materializeMs)} (${converted} converted, ${100 - converted} copied), ${(100 / (materializeMs / 1000)).toFixed(1)} images/s`,
        `  plain copy of the same bytes: ${seconds(copyMs)}`,
        `  ratio materialize / copy: ${(materializeMs / copyMs).toFixed(1)}x`,
        '',
      ].join('\n'),
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
