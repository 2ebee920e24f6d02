import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { loadModel, runModel } from '../src/tagger/model.ts';
import { preprocessInto } from '../src/tagger/preprocess.ts';
import { createTagger } from '../src/tagger/tagger.ts';
import { generateHeavyTagger } from '../test/fakes/tagger/index.ts';

/**
 * bench/autotag: 100 images of realistic sizes (what the fetch step keeps: up to 2048 px on the short side,
 * JPEG and PNG, some with alpha) through the real tagger — sharp preprocessing on the main thread, inference in
 * the worker thread — with a generated model whose compute is of a real tagger's kind (dense convolutions,
 * 10,861 outputs; FLOPs printed). Baselines measured in the same run: preprocessing alone and inference alone.
 *
 * KILN_BENCH_TAGGER_GFLOPS sets the model's budget: the default, 20, keeps the run near a minute on two shared
 * cores; a real ViT-B/ConvNeXt-B tagger at 448 px is roughly 120–160 (set 140 for one), and the last line
 * scales the measured inference time to that size. The images are generated once and cached under .tmp/bench-autotag-images.
 */

const IMAGES = 100;
const SINGLE_IMAGES = 8;
const OVERLAP_IMAGES = 32;
const BATCH = 8;
const SIZES: ReadonlyArray<readonly [number, number]> = [
  [1536, 2048],
  [2048, 1536],
  [2048, 2731],
  [1200, 1600],
  [1024, 1024],
  [800, 1100],
  [2048, 2048],
  [1600, 2400],
];
const CACHE = join('.tmp', 'bench-autotag-images');

async function ensureImages(): Promise<string[]> {
  await mkdir(CACHE, { recursive: true });
  const limit = pLimit(2);
  const paths = await Promise.all(
    Array.from({ length: IMAGES }, (_, i) =>
      limit(async () => {
        const [width, height] = SIZES[i % SIZES.length] ?? [1024, 1024];
        const format = i % 5 < 3 ? 'jpg' : 'png';
        const alpha = format === 'png' && i % 2 === 0;
        const path = join(CACHE, `image-${String(i).padStart(3, '0')}-${width}x${height}.${format}`);
        try {
          if ((await stat(path)).size > 0) return path;
        } catch {
          // not generated yet
        }
        const channels = alpha ? 4 : 3;
        const pixels = Buffer.alloc(width * height * channels);
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            const o = (y * width + x) * channels;
            pixels[o] = (x * 255) / width + ((i * 37) % 64);
            pixels[o + 1] = (y * 255) / height;
            pixels[o + 2] = ((x ^ y) & 0x3f) * 4;
            if (alpha)
              pixels[o + 3] =
                Math.hypot(x - width / 2, y - height / 2) < Math.min(width, height) / 2.2 ? 255 : 0;
          }
        }
        const image = sharp(pixels, { raw: { width, height, channels } });
        await (format === 'jpg' ? image.jpeg({ quality: 90 }) : image.png()).toFile(path);
        return path;
      }),
    ),
  );
  return paths;
}

const rate = (count: number, ms: number) => `${((count * 1000) / ms).toFixed(2)} images/s`;

export async function run(): Promise<void> {
  const gflops = Number(process.env.KILN_BENCH_TAGGER_GFLOPS ?? 20);
  const dir = await mkdtemp(join(tmpdir(), 'kiln-bench-autotag-'));
  try {
    let started = performance.now();
    const heavy = await generateHeavyTagger({ dir, gflops });
    const modelBytes = (await stat(heavy.modelPath)).size;
    console.log(
      `autotag: generated model: ${(heavy.flopsPerImage / 1e9).toFixed(1)} GFLOPs per image (${heavy.convLayers} conv layers, 10,861 outputs), ${(modelBytes / 1e6).toFixed(1)} MB, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    started = performance.now();
    const images = await ensureImages();
    const files = await readdir(CACHE);
    console.log(
      `autotag: ${images.length} images, 800–2731 px, 60% JPEG / 40% PNG (half with alpha), ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${files.length} cached)`,
    );

    // Baseline 1: preprocessing alone, same concurrency as the tagger.
    const size = 448;
    const perImage = size * size * 3;
    const limit = pLimit(4);
    const scratch = new Float32Array(4 * perImage);
    const preprocessLoop = monitorEventLoopDelay({ resolution: 10 });
    preprocessLoop.enable();
    started = performance.now();
    let slot = 0;
    await Promise.all(
      images.map((path) => limit(() => preprocessInto(path, size, scratch, (slot++ % 4) * perImage))),
    );
    const preprocessMs = performance.now() - started;
    preprocessLoop.disable();
    console.log(
      `autotag: preprocessing only:            ${rate(images.length, preprocessMs)} (${(preprocessMs / images.length).toFixed(1)} ms/image; event loop delay p99 ${(preprocessLoop.percentile(99) / 1e6).toFixed(1)} ms)`,
    );

    // Baseline 2: inference alone on ready tensors, main thread, batches of 8.
    const model = await loadModel(heavy.modelPath, ['cpu']);
    const batch = new Float32Array(BATCH * perImage).fill(127);
    await runModel(model, batch.slice(0, perImage), 1); // warm-up
    started = performance.now();
    const inferenceBatches = 2;
    for (let i = 0; i < inferenceBatches; i++) await runModel(model, batch, BATCH);
    const inferenceMs = (performance.now() - started) / (inferenceBatches * BATCH);
    await model.session.release();
    console.log(
      `autotag: inference only (batch ${BATCH}):       ${rate(1, inferenceMs)} (${inferenceMs.toFixed(0)} ms/image, ${(heavy.flopsPerImage / inferenceMs / 1e6).toFixed(0)} GFLOP/s)`,
    );

    // End to end, batched.
    const tagger = await createTagger({
      modelPath: heavy.modelPath,
      tagsPath: heavy.tagsPath,
      kind: 'wd',
      batchSize: BATCH,
      providers: ['cpu'],
    });
    await tagger.tag(images.slice(0, 1), { threshold: 0.5 }); // warm-up
    const warm = tagger.stats();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    started = performance.now();
    await tagger.tag(images, { threshold: 0.5 });
    const batchedMs = performance.now() - started;
    loop.disable();
    const batched = tagger.stats();
    const batchedInference = batched.inferenceMs - warm.inferenceMs;
    await tagger.close();
    console.log(
      `autotag: end to end, batches of ${BATCH}:      ${rate(images.length, batchedMs)} (CPU default: preprocessing and inference alternate); ${(100 * (1 - batchedInference / batchedMs)).toFixed(1)}% of the time outside inference; event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms`,
    );

    // End to end, batched, preprocessing the next batch while this one is inferred (the default with CUDA).
    const overlapped = await createTagger({
      modelPath: heavy.modelPath,
      tagsPath: heavy.tagsPath,
      kind: 'wd',
      batchSize: BATCH,
      prefetch: true,
      providers: ['cpu'],
    });
    await overlapped.tag(images.slice(0, 1), { threshold: 0.5 });
    const overlappedImages = images.slice(0, OVERLAP_IMAGES);
    started = performance.now();
    await overlapped.tag(overlappedImages, { threshold: 0.5 });
    const overlappedMs = performance.now() - started;
    await overlapped.close();
    console.log(
      `autotag: end to end, overlapped:        ${rate(overlappedImages.length, overlappedMs)} (${overlappedImages.length} images, next batch preprocessed during inference)`,
    );

    // End to end, one image per inference.
    const single = await createTagger({
      modelPath: heavy.modelPath,
      tagsPath: heavy.tagsPath,
      kind: 'wd',
      batchSize: 1,
      providers: ['cpu'],
    });
    await single.tag(images.slice(0, 1), { threshold: 0.5 });
    const subset = images.slice(0, SINGLE_IMAGES);
    started = performance.now();
    await single.tag(subset, { threshold: 0.5 });
    const singleMs = performance.now() - started;
    await single.close();
    console.log(
      `autotag: end to end, one at a time:     ${rate(subset.length, singleMs)} (${subset.length} images)`,
    );

    const batchedRate = images.length / batchedMs;
    const singleRate = subset.length / singleMs;
    console.log(
      `autotag: batch vs single-image rate: ${(batchedRate / singleRate).toFixed(2)}×; overlapped vs alternating: ${(overlappedImages.length / overlappedMs / batchedRate).toFixed(2)}×; end to end vs the inference-only floor: ${(batchedRate * inferenceMs).toFixed(2)}×`,
    );
    const realGflops = 140;
    const realInferenceMs = (inferenceMs * realGflops * 1e9) / heavy.flopsPerImage;
    const outsidePerImage = Math.max(0, batchedMs / images.length - batchedInference / images.length);
    console.log(
      `autotag: scaled to a ${realGflops}-GFLOP tagger on this machine: ~${(1000 / (realInferenceMs + outsidePerImage)).toFixed(2)} images/s end to end (inference ~${realInferenceMs.toFixed(0)} ms/image)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
