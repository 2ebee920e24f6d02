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

export async function run(): Promise<void> {
  // e621's mix: mostly PNG and JPEG, a few WebP.
  const specs = given.posts(POSTS, { firstId: 10_000, topScore: 10_000 }, (index) => ({
    ext: index % 20 === 19 ? 'webp' : index % 2 === 0 ? 'png' : 'jpg',
  }));
  const generationStart = performance.now();
  const { child, ready } = await startFakeProcess({ posts: specs, disableRateLimitForBenchmark: true });
  const generationMs = performance.now() - generationStart;
  const root = await mkdtemp(join(tmpdir(), 'kiln-bench-acquire-'));
  try {
    const files = ready.files;
    const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
    const parallelism = availableParallelism();

    // Baseline: sharp alone, same resize and encoder settings, one image per core at a time.
    const baselineDir = join(root, 'baseline');
    await mkdir(baselineDir);
    const limit = pLimit(parallelism);
    const baselineCpu = process.cpuUsage();
    const baselineStart = performance.now();
    await Promise.all(
      files.map((file) =>
        limit(async () => {
          const format = file.ext === 'jpg' ? 'jpg' : file.ext === 'webp' ? 'webp' : 'png';
          await encodeAs(resizePipeline(file.path, MAX_SHORT_SIDE, DEFAULT_MAX_INPUT_PIXELS), format).toFile(
            join(baselineDir, `${file.id}.${file.ext}`),
          );
        }),
      ),
    );
    const baselineMs = performance.now() - baselineStart;
    const baselineCpuMs = cpuMs(process.cpuUsage(baselineCpu));

    // The pipeline: what `kiln fetch` does, against the fake without its rate limit.
    const client = new E621Client({
      baseUrl: ready.url,
      user: 'kiln_bench',
      dangerouslyDisablePacingForBenchmark: true,
    });
    const query = parseQuery({
      required: 'krystal, solo',
      minArea: 0,
      minScore: 0,
      topN: POSTS,
      maxShortSide: MAX_SHORT_SIDE,
    });
    const pipelineCpu = process.cpuUsage();
    const pipelineStart = performance.now();
    const manifest = await fetchToFolder({
      client,
      query,
      out: join(root, 'pipeline'),
      processConcurrency: parallelism,
    });
    const pipelineMs = performance.now() - pipelineStart;
    const pipelineCpuMs = cpuMs(process.cpuUsage(pipelineCpu));
    if (manifest.taken.length + manifest.duplicates.length !== POSTS) {
      throw new Error(`the pipeline stored ${manifest.taken.length} images, expected ${POSTS}`);
    }

    const pipelineRate = POSTS / (pipelineMs / 1000);
    const baselineRate = POSTS / (baselineMs / 1000);
    process.stdout.write(
      [
        `acquire: ${POSTS} posts of 2000–4000 px (${(totalBytes / 1024 / 1024).toFixed(0)} MiB; png/jpg/webp) from the fake e621, no pacing`,
        `  pictures: ${generationMs > 15_000 ? `generated in ${seconds(generationMs)}` : 'from the .tmp cache'}; ${parallelism} cores, sharp concurrency ${sharp.concurrency()}`,
        `  pipeline (search, download, md5, resize, dHash, captions): ${seconds(pipelineMs)}, ${pipelineRate.toFixed(1)} images/s, CPU ${(pipelineCpuMs / POSTS).toFixed(0)} ms/image (the fake e621 runs in its own process)`,
        `  sharp alone resizing the same files: ${seconds(baselineMs)}, ${baselineRate.toFixed(1)} images/s, CPU ${(baselineCpuMs / POSTS).toFixed(0)} ms/image`,
        `  ratio pipeline / sharp alone: ${(pipelineRate / baselineRate).toFixed(2)}x (target ≥ 0.8x); by CPU time ${(baselineCpuMs / pipelineCpuMs).toFixed(2)}x`,
        '',
      ].join('\n'),
    );
  } finally {
    child.send({ type: 'close' });
    await rm(root, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
