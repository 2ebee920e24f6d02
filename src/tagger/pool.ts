import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { Logger } from '../log.ts';
import { modelPaths, MODEL_SPECS } from './download.ts';
import type { ProviderChoice } from './model.ts';
import { createTagger, type Tagger } from './tagger.ts';
import type { TaggerKind } from './tags-file.ts';

/**
 * The taggers of a process: one ONNX session per model, loaded on first use and shared by every job that needs
 * it (auto-tagging and the likeness check of trainings use the same models).
 */

export interface TaggerPool {
  readonly modelsDir: string;
  /** The tagger of one kind, loaded on first use and kept for the life of the process. */
  get(kind: TaggerKind): Promise<Tagger>;
  /** Forgets a tagger that failed mid-run, so the next job loads a fresh session. */
  discard(kind: TaggerKind): Promise<void>;
  close(): Promise<void>;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export function createTaggerPool(options: {
  modelsDir: string;
  providers?: ProviderChoice;
  batchSize?: number;
  log: Logger;
}): TaggerPool {
  const loaded = new Map<TaggerKind, Promise<Tagger>>();
  const load = async (kind: TaggerKind): Promise<Tagger> => {
    const paths = modelPaths(options.modelsDir, kind);
    for (const path of [paths.modelPath, paths.tagsPath]) {
      if ((await fileSize(path)) === 0) {
        throw new UserError(
          'model-missing',
          `The ${MODEL_SPECS[kind].label} is not installed on this worker: ${path} is missing. Run \`kiln models download\` on the worker machine (models folder: ${options.modelsDir}), then \`/lora autotag\` again.`,
        );
      }
    }
    return createTagger({
      kind,
      modelPath: paths.modelPath,
      tagsPath: paths.tagsPath,
      providers: options.providers ?? 'auto',
      ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
      log: options.log,
    });
  };
  return {
    modelsDir: options.modelsDir,
    get(kind) {
      let tagger = loaded.get(kind);
      if (!tagger) {
        const loading = load(kind);
        tagger = loading;
        loaded.set(kind, loading);
        loading.catch(() => {
          if (loaded.get(kind) === loading) loaded.delete(kind);
        });
      }
      return tagger;
    },
    async discard(kind) {
      const tagger = loaded.get(kind);
      loaded.delete(kind);
      await tagger?.then((t) => t.close()).catch(() => undefined);
    },
    async close() {
      const all = [...loaded.values()];
      loaded.clear();
      await Promise.all(all.map((tagger) => tagger.then((t) => t.close()).catch(() => undefined)));
    },
  };
}

/** One pool per models folder for the whole process, whichever role asks first. */
const processPools = new Map<string, TaggerPool>();

export function processTaggerPool(modelsDir: string, log: Logger): TaggerPool {
  const folder = resolve(modelsDir);
  let pool = processPools.get(folder);
  if (!pool) {
    pool = createTaggerPool({ modelsDir: folder, log });
    processPools.set(folder, pool);
  }
  return pool;
}
