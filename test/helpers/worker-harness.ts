import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { BaseModel } from '../../src/core/training/plan.ts';
import type { LinkSigner } from '../../src/delivery/links.ts';
import type { E621Client } from '../../src/e621/client.ts';
import { createDiscordPoster } from '../../src/notify/discord-rest.ts';
import { openRedis } from '../../src/queue/connection.ts';
import type { WorkerRole } from '../../src/queue/contracts.ts';
import { readWorkerConfig } from '../../src/worker/config.ts';
import { createJobHandlers } from '../../src/worker/handlers.ts';
import { createDeliverEpochHandler } from '../../src/worker/jobs/deliver-epoch.ts';
import { createExportHandler, type ExportJobDeps } from '../../src/worker/jobs/export.ts';
import { createTrainHandler, recoverStaleRuns, type TrainJobDeps } from '../../src/worker/jobs/train.ts';
import { startWorkerRuntime, type JobHandlers, type WorkerRuntime } from '../../src/worker/runtime.ts';
import type { BotHarness } from './bot-harness.ts';
import { writeTinyCheckpoint } from './checkpoint.ts';
import { TEST_REDIS_URL } from './redis.ts';

/** The fake sd-scripts (test/fakes/sd-scripts) and its `accelerate launch` stand-in. */
export const FAKE_SD_SCRIPTS_DIR = resolve(import.meta.dirname, '../fakes/sd-scripts');
export const FAKE_LAUNCHER: readonly string[] = [
  process.execPath,
  join(FAKE_SD_SCRIPTS_DIR, 'accelerate.js'),
  'launch',
  '--num_cpu_threads_per_process',
  '1',
];

/** The train role: the fake sd-scripts as trainer, base-model files that exist, fast status edits. */
export interface TrainWorkerOptions {
  /** Base models of this worker; their files are created (the fake only checks they exist). */
  baseModels?: ReadonlyArray<Omit<BaseModel, 'file'>>;
  links?: LinkSigner | null;
  /** Steers the fake sd-scripts (KILN_FAKE_SDS_FAIL, KILN_FAKE_SDS_STEP_MS…); read at every run. */
  trainerEnv?: Record<string, string>;
  workerName?: string;
  cancelPollMs?: number;
}

export interface WorkerHarnessOptions {
  /** Roles served; default: fetch, plus train when `train` is given. */
  roles?: WorkerRole[];
  /** The e621 client of the fetch role (e.g. the bot's, on the fake e621). */
  e621?: E621Client;
  /** Status messages are edited at most this often (default 200 ms). */
  statusIntervalMs?: number;
  train?: TrainWorkerOptions;
  /** The export job (autotag role) with these download links (default: none). */
  export?: { links?: LinkSigner | null };
  /** This worker's own DATA_DIR (a machine of its own); default: the bot harness's. */
  dataDir?: string;
}

export interface WorkerHarness {
  runtime: WorkerRuntime;
  /** The train job's dependencies (with the train role); tests may change `links` between runs. */
  train: TrainJobDeps | null;
  /** The export job's dependencies (with the autotag role); tests may change `links`. */
  exportJob: ExportJobDeps | null;
  /** Environment of the fake sd-scripts; change it between runs. */
  trainerEnv: Record<string, string>;
  baseModels: BaseModel[];
  /** What a worker does at start-up before taking jobs: fail the trainings a dead worker left running. */
  recover(): Promise<void>;
  /** Stops the worker and starts a fresh one on the same queue, as after a redeploy. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A worker process on the bot harness's database, queue prefix, data folder and Discord stand-in: the fetch role
 * (with the given e621 client) and, when asked, the train role with the fake sd-scripts.
 */
export function startWorkerHarness(h: BotHarness, options: WorkerHarnessOptions = {}): WorkerHarness {
  const roles: WorkerRole[] = options.roles ?? (options.train ? ['fetch', 'train'] : ['fetch']);
  const statusIntervalMs = options.statusIntervalMs ?? 200;
  const poster = createDiscordPoster({ token: h.discord.token, apiUrl: h.discord.apiUrl });
  const log = h.log.child({ process: 'worker' });
  const dataDir = options.dataDir ?? h.dataDir;
  const modelsDir = mkdtempSync(join(tmpdir(), 'kiln-base-models-'));
  const baseModels: BaseModel[] = [];
  const trainerEnv: Record<string, string> = { ...options.train?.trainerEnv };
  let train: TrainJobDeps | null = null;
  if (roles.includes('train')) {
    mkdirSync(modelsDir, { recursive: true });
    for (const model of options.train?.baseModels ?? [
      { name: 'yiffymix', family: 'sd1', tagStyle: 'e621' },
    ]) {
      const file = join(modelsDir, `${model.name}.safetensors`);
      writeTinyCheckpoint(file, model.family === 'sdxl' ? 'sdxl' : 'sd1');
      baseModels.push({ ...model, file });
    }
    train = {
      db: h.database.db,
      poster,
      log,
      dataDir,
      sdScriptsDir: FAKE_SD_SCRIPTS_DIR,
      launcher: FAKE_LAUNCHER,
      baseModels: () => Promise.resolve(baseModels),
      links: options.train?.links ?? null,
      workerName: options.train?.workerName ?? 'test-gpu-host',
      trainerEnv: () => trainerEnv,
      statusIntervalMs,
      cancelPollMs: options.train?.cancelPollMs ?? 100,
      cancelGraceMs: 3000,
    };
  }
  const exportJob: ExportJobDeps | null = roles.includes('autotag')
    ? {
        db: h.database.db,
        poster,
        log,
        dataDir: h.dataDir,
        filesDir: join(h.dataDir, 'models'),
        links: options.export?.links ?? null,
      }
    : null;
  const handlers = (): JobHandlers => {
    const built: JobHandlers = createJobHandlers({
      database: h.database,
      log,
      config: readWorkerConfig(roles, { DATA_DIR: dataDir }),
      roles: roles.filter((role) => role !== 'train'),
      discord: poster,
      e621: options.e621,
      statusIntervalMs,
    });
    if (train) {
      built.train = createTrainHandler(train);
      built.deliverEpoch = createDeliverEpochHandler(train);
    }
    if (exportJob) built.export = createExportHandler(exportJob);
    return built;
  };
  let connection: Redis = openRedis(TEST_REDIS_URL);
  const launch = (): WorkerRuntime =>
    startWorkerRuntime({ roles, handlers: handlers(), connection, prefix: h.prefix, log });
  const harness: WorkerHarness = {
    runtime: launch(),
    train,
    exportJob,
    trainerEnv,
    baseModels,
    async recover() {
      if (train) await recoverStaleRuns(train);
    },
    async restart() {
      await harness.runtime.close();
      connection.disconnect();
      connection = openRedis(TEST_REDIS_URL);
      await harness.recover();
      harness.runtime = launch();
    },
    async close() {
      await harness.runtime.close();
      connection.disconnect();
      rmSync(modelsDir, { recursive: true, force: true });
    },
  };
  return harness;
}
