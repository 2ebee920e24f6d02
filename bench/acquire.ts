import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
import pLimit from 'p-limit';
import sharp from 'sharp';
import { parseQuery } from '../src/core/query/schema.ts';
import { E621Client } from '../src/e621/client.ts';
import { fetchToFolder } from '../src/e621/folder.ts';
import { encodeAs, resizePipeline, DEFAULT_MAX_INPUT_PIXELS } from '../src/storage/images.ts';
import { given } from '../test/fakes/e621/index.ts';
import type { ServeReady, ServeStart } from '../test/fakes/e621/serve.ts';

/**
 * bench/acquire: the whole acquisition (search, download, md5, resize, dHash, captions, manifest) of 300 posts of
 * 2000–4000 px from the fake e621 served without artificial delay, against sharp alone resizing the same files
 * with the same settings and the same parallelism in the same run (the floor on this machine).
 *
 * The pictures are generated once and cached under .tmp/fake-e621-images (the first run takes a few minutes).
 */

const POSTS = 300;
const MAX_SHORT_SIDE = 2048;

/** The fake e621 in a process of its own: the real e621 is another machine, so its work is not ours. */
async function startFakeProcess(
  options: ServeStart['options'],
): Promise<{ child: ChildProcess; ready: ServeReady }> {
  const script = fileURLToPath(new URL('../test/fakes/e621/serve.ts', import.meta.url));
  const child = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ready = await new Promise<ServeReady>((resolve, reject) => {
    child.once('message', (message: ServeReady) => resolve(message));
    child.once('exit', (code) => reject(new Error(`the fake e621 exited (${code})`)));
    child.send({ type: 'start', options } satisfies ServeStart);
  });
  return { child, ready };
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const HALVES = ['bench_half_a', 'bench_half_b'] as const;

export async function run(): Promise<void> {
  // e621's mix: mostly PNG and JPEG, a few WebP. Each half carries its own tag, so the two halves can be
  // fetched and resized in turn (baseline, pipeline, pipeline, baseline): other work on the machine then
  // weighs on both sides alike.
  const specs = given.posts(POSTS, { firstId: 10_000, topScore: 10_000 }, (index) => ({
    ext: index % 20 === 19 ? 'webp' : index % 2 === 0 ? 'png' : 'jpg',
  }));
  specs.forEach((spec, index) => {
    const tags = spec.tags as { general: string[] };
    tags.general = [...tags.general, HALVES[index < POSTS / 2 ? 0 : 1]];
  });
  const generationStart = performance.now();
  const { child, ready } = await startFakeProcess({ posts: specs, disableRateLimitForBenchmark: true });
  const generationMs = performance.now() - generationStart;
  const root = await mkdtemp(join(tmpdir(), 'kiln-bench-acquire-'));
  try {
    const files = ready.files;
    const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
    const parallelism = availableParallelism();
    const client = new E621Client({
      baseUrl: ready.url,
      user: 'kiln_bench',
      dangerouslyDisablePacingForBenchmark: true,
    });
    const totals = { baselineMs: 0, baselineCpuMs: 0, pipelineMs: 0, pipelineCpuMs: 0 };

    // Baseline: sharp alone, same resize and encoder settings and the same parallelism as the pipeline
    // (one more image than cores in flight, which also suits sharp alone best on this machine).
    const baseline = async (half: 0 | 1): Promise<void> => {
      const dir = join(root, `baseline-${half}`);
      await mkdir(dir);
      const limit = pLimit(parallelism + 1);
      const mine = files.filter((_, index) => (index < POSTS / 2 ? 0 : 1) === half);
      const cpu = process.cpuUsage();
      const start = performance.now();
      await Promise.all(
        mine.map((file) =>
          limit(async () => {
            const format = file.ext === 'jpg' ? 'jpg' : file.ext === 'webp' ? 'webp' : 'png';
            await encodeAs(
              resizePipeline(file.path, MAX_SHORT_SIDE, DEFAULT_MAX_INPUT_PIXELS),
              format,
            ).toFile(join(dir, `${file.id}.${file.ext}`));
          }),
        ),
      );
      totals.baselineMs += performance.now() - start;
      totals.baselineCpuMs += cpuMs(process.cpuUsage(cpu));
    };

    // The pipeline: what `kiln fetch` does, against the fake without its rate limit.
    const pipeline = async (half: 0 | 1): Promise<void> => {
      const query = parseQuery({
        required: `krystal, solo, ${HALVES[half]}`,
        minArea: 0,
        minScore: 0,
        topN: POSTS / 2,
        maxShortSide: MAX_SHORT_SIDE,
      });
      const cpu = process.cpuUsage();
      const start = performance.now();
      const manifest = await fetchToFolder({
        client,
        query,
        out: join(root, `pipeline-${half}`),
        processConcurrency: parallelism + 1,
      });
      totals.pipelineMs += performance.now() - start;
      totals.pipelineCpuMs += cpuMs(process.cpuUsage(cpu));
      if (manifest.taken.length + manifest.duplicates.length !== POSTS / 2) {
        throw new Error(`the pipeline stored ${manifest.taken.length} images, expected ${POSTS / 2}`);
      }
    };

    await baseline(0);
    await pipeline(0);
    await pipeline(1);
    await baseline(1);

    const pipelineRate = POSTS / (totals.pipelineMs / 1000);
    const baselineRate = POSTS / (totals.baselineMs / 1000);
    process.stdout.write(
      [
        `acquire: ${POSTS} posts of 2000–4000 px (${(totalBytes / 1024 / 1024).toFixed(0)} MiB; png/jpg/webp) from the fake e621, no pacing`,
        `  pictures: ${generationMs > 15_000 ? `generated in ${seconds(generationMs)}` : 'from the .tmp cache'}; ${parallelism} cores, sharp concurrency ${sharp.concurrency()}; halves run baseline, pipeline, pipeline, baseline`,
        `  pipeline (search, download, md5, resize, dHash, captions): ${seconds(totals.pipelineMs)}, ${pipelineRate.toFixed(1)} images/s, CPU ${(totals.pipelineCpuMs / POSTS).toFixed(0)} ms/image (the fake e621 runs in its own process)`,
        `  sharp alone resizing the same files: ${seconds(totals.baselineMs)}, ${baselineRate.toFixed(1)} images/s, CPU ${(totals.baselineCpuMs / POSTS).toFixed(0)} ms/image`,
        `  ratio pipeline / sharp alone: ${(pipelineRate / baselineRate).toFixed(2)}x (target ≥ 0.8x); by CPU time ${(totals.baselineCpuMs / totals.pipelineCpuMs).toFixed(2)}x`,
        '',
      ].join('\n'),
    );
  } finally {
    child.send({ type: 'close' });
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
