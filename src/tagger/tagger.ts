import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import pLimit from 'p-limit';
import { isUserError, UserError, USER_ERROR_CODES, type UserErrorCode } from '../core/errors.ts';
import { captionName, validateThreshold } from '../core/tags/names.ts';
import type { TagCategory } from '../core/tags/types.ts';
import type { Logger } from '../log.ts';
import type { ModelInfo, ProviderChoice } from './model.ts';
import { preprocessInto, VALUES_PER_PIXEL } from './preprocess.ts';
import { checkTagsMatchModel, readTagsFile, type TaggerKind, type TagTable } from './tags-file.ts';
import type { SerializedError, WorkerReply, WorkerRequest } from './worker-thread.ts';

/**
 * The tagger the worker and `kiln tag` use: one ONNX session per model per process, loaded once in a worker
 * thread (inference never blocks the event loop); images are preprocessed here with sharp, whose work runs
 * on libuv's thread pool, while the previous batch is inferred. Batches when the model's batch dimension is
 * free, one image at a time (padded to its size) when it is fixed.
 */

export interface TaggerOptions {
  modelPath: string;
  tagsPath: string;
  kind: TaggerKind;
  /** `auto` (default): CUDA when onnxruntime's CUDA provider is installed, else CPU. */
  providers?: ProviderChoice;
  /** Images per inference when the batch dimension is free (default 8). */
  batchSize?: number;
  /**
   * Preprocess the next batch while the current one is inferred. Default: on with CUDA (the CPU is idle while
   * the GPU works), off on CPU, where both stages want the same cores and overlapping them only adds
   * contention (bench/autotag measures both). Off, they alternate, as preprocessing inside the inference
   * thread would.
   */
  prefetch?: boolean;
  log?: Logger;
}

export interface TagOptions {
  /** General tags count when their score is strictly above this (0–1). */
  threshold: number;
  /** For character tags; defaults to `threshold`. */
  characterThreshold?: number;
  /** Also report tags scoring up to this much below their threshold (`accepted: false`), to spot doubtful ones. */
  margin?: number;
}

export interface TaggerTag {
  /** Caption form: underscores as spaces, except kaomoji. */
  name: string;
  /** As in the tag file (canonical, underscores). */
  tag: string;
  category: TagCategory;
  score: number;
  /** Above its threshold (false only for near misses reported because of `margin`). */
  accepted: boolean;
}

export interface TaggedImage {
  path: string;
  /** The highest-scoring rating row; null for models without rating rows. */
  rating: { name: string; score: number } | null;
  /** Sorted by score, highest first. */
  tags: TaggerTag[];
  /** Why this image could not be tagged (unreadable, corrupt); its tags are then empty. */
  error?: string;
}

export interface TaggerStats {
  images: number;
  batches: number;
  /** Time inside `session.run`, as measured in the inference thread. */
  inferenceMs: number;
  /** Time spent preparing batches (overlaps inference of the previous batch). */
  preprocessMs: number;
  wallMs: number;
}

export interface Tagger {
  kind: TaggerKind;
  info: ModelInfo;
  tags: TagTable;
  tag(imagePaths: readonly string[], options: TagOptions): Promise<TaggedImage[]>;
  stats(): TaggerStats;
  close(): Promise<void>;
}

const DEFAULT_BATCH_SIZE = 8;

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

class InferenceThread {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (reply: WorkerReply) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private failure: Error | undefined;

  /** `onFailure`: the thread died or was closed; it will not serve another request. */
  constructor(private readonly onFailure: () => void = () => undefined) {
    this.worker = spawnInferenceWorker();
    this.worker.on('message', (reply: WorkerReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      waiter?.resolve(reply);
    });
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) =>
      this.fail(new Error(`the tagger's inference thread exited (code ${code})`)),
    );
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.onFailure();
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }

  async request(request: WithoutId<WorkerRequest>, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    const reply = new Promise<WorkerReply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.postMessage({ ...request, id }, transfer);
    const answer = await reply;
    if (!answer.ok) throw rehydrate(answer.error);
    return answer;
  }

  async terminate(): Promise<void> {
    this.failure ??= new Error('the tagger was closed');
    await this.worker.terminate();
  }
}

/** Starts the inference thread; from TypeScript sources (tsx, vitest) the thread registers tsx first. */
function spawnInferenceWorker(): Worker {
  const url = new URL('./worker-thread.ts', import.meta.url);
  if (!url.pathname.endsWith('.ts')) return new Worker(url);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(bootstrap, { eval: true });
}

function rehydrate(error: SerializedError): Error {
  if (error.code && (USER_ERROR_CODES as readonly string[]).includes(error.code)) {
    return new UserError(error.code as UserErrorCode, error.message);
  }
  const rebuilt = new Error(error.message);
  if (error.stack) rebuilt.stack = error.stack;
  return rebuilt;
}

interface SharedModel {
  thread: InferenceThread;
  info: Promise<ModelInfo>;
  users: number;
}

/** One inference thread (and session) per model file and provider choice in this process. */
const sharedModels = new Map<string, SharedModel>();

function acquireModel(modelPath: string, providers: ProviderChoice): { key: string; shared: SharedModel } {
  const key = `${resolve(modelPath)}\u0000${JSON.stringify(providers)}`;
  let shared = sharedModels.get(key);
  if (!shared) {
    // A crashed thread leaves the registry, so the next tagger for this model starts a fresh one.
    const thread = new InferenceThread(() => {
      if (sharedModels.get(key) === shared) sharedModels.delete(key);
    });
    const info = thread
      .request({ type: 'load', modelPath: resolve(modelPath), providers })
      .then((reply) =>
        reply.ok && reply.type === 'load' ? reply.info : Promise.reject(new Error('bad reply')),
      );
    shared = { thread, info, users: 0 };
    sharedModels.set(key, shared);
    info.catch(async () => {
      if (sharedModels.get(key) === shared) sharedModels.delete(key);
      await thread.terminate();
    });
  }
  shared.users += 1;
  return { key, shared };
}

async function releaseModel(key: string, shared: SharedModel): Promise<void> {
  shared.users -= 1;
  if (shared.users > 0) return;
  if (sharedModels.get(key) === shared) sharedModels.delete(key);
  await shared.thread.terminate();
}

export async function createTagger(options: TaggerOptions): Promise<Tagger> {
  if (options.kind !== 'wd' && options.kind !== 'e621') {
    throw new UserError('invalid-option', `Unknown tagger kind "${String(options.kind)}"; use wd or e621.`);
  }
  const providers = options.providers ?? 'auto';
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UserError(
      'invalid-option',
      `The tagger batch size must be a whole number ≥ 1; got ${batchSize}.`,
    );
  }
  const tablePromise = readTagsFile(options.tagsPath, options.kind);
  const { key, shared } = acquireModel(options.modelPath, providers);
  let info: ModelInfo;
  let table: TagTable;
  try {
    [info, table] = await Promise.all([shared.info, tablePromise]);
    if (info.outputCount !== null) checkTagsMatchModel(table, info.outputCount, info.path);
  } catch (error) {
    tablePromise.catch(() => undefined);
    await releaseModel(key, shared);
    throw error;
  }
  if (shared.users === 1) {
    if (info.fallback) {
      options.log?.warn(
        { model: info.path, reason: info.fallback },
        'tagger: CUDA requested but unavailable; using CPU',
      );
    }
    options.log?.info(
      {
        model: info.path,
        provider: info.provider,
        size: info.size,
        fixedBatch: info.fixedBatch,
        tags: table.rows.length,
      },
      `tagger: ${options.kind} model loaded on ${info.provider.toUpperCase()}`,
    );
  }

  const prefetch = options.prefetch ?? info.provider === 'cuda';
  const stats: TaggerStats = { images: 0, batches: 0, inferenceMs: 0, preprocessMs: 0, wallMs: 0 };
  const perImage = info.size * info.size * VALUES_PER_PIXEL;
  const limit = pLimit(Math.max(2, Math.min(4, availableParallelism())));
  let closed = false;

  /** One image that cannot be read fails alone: its slot stays blank and its error is kept for its result. */
  const prepare = async (
    paths: readonly string[],
  ): Promise<{ pixels: Float32Array; failures: Map<number, string> }> => {
    const started = performance.now();
    const pixels = new Float32Array(paths.length * perImage);
    const failures = new Map<number, string>();
    await Promise.all(
      paths.map((path, i) =>
        limit(() =>
          preprocessInto(path, info.size, pixels, i * perImage).catch((error: unknown) => {
            if (!isUserError(error)) throw error;
            failures.set(i, error.message);
          }),
        ),
      ),
    );
    stats.preprocessMs += performance.now() - started;
    return { pixels, failures };
  };

  const decode = (path: string, scores: Float32Array, tagOptions: Required<TagOptions>): TaggedImage => {
    let rating: TaggedImage['rating'] = null;
    for (const index of table.ratingRows) {
      const score = scores[index] ?? 0;
      if (!rating || score > rating.score) rating = { name: table.rows[index]?.name ?? '', score };
    }
    const tags: TaggerTag[] = [];
    for (const row of table.rows) {
      if (row.category === 'rating') continue;
      const score = scores[row.index] ?? 0;
      const threshold = row.category === 'character' ? tagOptions.characterThreshold : tagOptions.threshold;
      const accepted = score > threshold;
      if (accepted || (tagOptions.margin > 0 && score > threshold - tagOptions.margin)) {
        tags.push({ name: captionName(row.name), tag: row.name, category: row.category, score, accepted });
      }
    }
    tags.sort((a, b) => b.score - a.score || a.tag.localeCompare(b.tag));
    return { path, rating, tags };
  };

  return {
    kind: options.kind,
    info,
    tags: table,
    stats: () => ({ ...stats }),
    async tag(imagePaths, tagOptions) {
      if (closed) throw new Error('this tagger is closed');
      const resolved: Required<TagOptions> = {
        threshold: validateThreshold(tagOptions.threshold, `${options.kind} tagger threshold`),
        characterThreshold: validateThreshold(
          tagOptions.characterThreshold ?? tagOptions.threshold,
          `${options.kind} character threshold`,
        ),
        margin: validateThreshold(tagOptions.margin ?? 0, 'doubt margin'),
      };
      const started = performance.now();
      const size = info.fixedBatch ?? batchSize;
      const batches: string[][] = [];
      for (let i = 0; i < imagePaths.length; i += size) batches.push(imagePaths.slice(i, i + size));
      const results: TaggedImage[] = [];
      let next: ReturnType<typeof prepare> | undefined;
      for (let b = 0; b < batches.length; b++) {
        const batch = batches[b] ?? [];
        const { pixels, failures } = await (next ?? prepare(batch));
        const following = batches[b + 1];
        next = following && prefetch ? prepare(following) : undefined;
        // Keep a failing prefetch from surfacing as unhandled while this batch runs; it rethrows when awaited.
        next?.catch(() => undefined);
        const reply = await shared.thread.request({ type: 'run', pixels, count: batch.length }, [
          pixels.buffer as ArrayBuffer,
        ]);
        if (!reply.ok || reply.type !== 'run') throw new Error('unexpected reply from the inference thread');
        if (info.outputCount === null) checkTagsMatchModel(table, reply.outputCount, info.path);
        stats.inferenceMs += reply.inferenceMs;
        stats.batches += 1;
        batch.forEach((path, i) => {
          const failure = failures.get(i);
          if (failure !== undefined) {
            results.push({ path, rating: null, tags: [], error: failure });
            return;
          }
          const row = reply.scores.subarray(i * reply.outputCount, (i + 1) * reply.outputCount);
          results.push(decode(path, row, resolved));
        });
      }
      stats.images += imagePaths.length;
      stats.wallMs += performance.now() - started;
      return results;
    },
    async close() {
      if (closed) return;
      closed = true;
      await releaseModel(key, shared);
    },
  };
}
