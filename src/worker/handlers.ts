import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { readConfig } from '../config/env.ts';
import type { Database } from '../db/client.ts';
import { createLinkSigner } from '../delivery/links.ts';
import { createE621Client, type E621Client } from '../e621/client.ts';
import type { Logger } from '../log.ts';
import type { DiscordPoster } from '../notify/discord-rest.ts';
import type { WorkerRole } from '../queue/contracts.ts';
import { e621ConfigOf, type WorkerConfig } from './config.ts';
import { createFetchReporter, projectThreadFinder } from './fetch-reporter.ts';
import { createFetchHandler } from './jobs/fetch.ts';
import type { TaggerPool } from '../tagger/pool.ts';
import { autotagDepsFromEnv, createAutotagHandler } from './jobs/autotag.ts';
import { createDeliverEpochHandler } from './jobs/deliver-epoch.ts';
import { createExportHandler, type ExportJobDeps } from './jobs/export.ts';
import { trainDepsFromEnv, createTrainHandler, recoverStaleRuns } from './jobs/train.ts';
import type { JobHandler, JobHandlers } from './runtime.ts';

export interface WorkerDeps {
  database: Database;
  log: Logger;
  /** The roles' configuration, read once when the process started (src/worker/config.ts). */
  config: WorkerConfig;
  /** The roles this worker serves: only their handlers are built (and only their configuration needed). */
  roles: readonly WorkerRole[];
  /** Posts progress and results into project threads (REST only). */
  discord: DiscordPoster;
  /** An e621 client to use instead of one built from `config` (one shared with the bot in `kiln start`). */
  e621?: E621Client | undefined;
  /** How often a job's status message is edited at most (default every 3 s). */
  statusIntervalMs?: number | undefined;
  /** The autotag role's taggers (one session per model per process); built from MODELS_DIR when left out. */
  taggers?: TaggerPool | undefined;
}

/**
 * Configuration a worker's roles need beyond what `readConfig` checks, as problems for one ConfigError:
 * the fetch role refuses to start without E621_USER, since e621 wants it in every User-Agent.
 */
export function workerConfigProblems(env: Record<string, string | undefined>): string[] {
  let roles: readonly WorkerRole[];
  try {
    roles = readConfig(['worker'], env).WORKER_ROLES;
  } catch {
    return []; // readConfig names the WORKER_ROLES problem itself
  }
  const problems: string[] = [];
  if (roles.includes('fetch') && !env.E621_USER?.trim()) {
    problems.push(
      'E621_USER is required for the fetch role: e621 wants your e621 user name in the User-Agent of every request',
    );
  }
  // A train worker without these would take trainings from the queue and fail every one of them.
  if (roles.includes('train')) {
    if (!env.SD_SCRIPTS_DIR?.trim()) {
      problems.push(
        'SD_SCRIPTS_DIR is required for the train role: the folder of kohya sd-scripts (where train_network.py is), or leave train out of WORKER_ROLES',
      );
    }
    if (!env.BASE_MODELS_FILE?.trim()) {
      problems.push(
        'BASE_MODELS_FILE is required for the train role: the JSON or TOML list of base models to train on, or leave train out of WORKER_ROLES',
      );
    }
  }
  if (roles.length > 0) {
    const dataDir = env.DATA_DIR?.trim() || './data';
    const unwritable = unwritableReason(dataDir);
    if (unwritable) {
      problems.push(
        `DATA_DIR ${JSON.stringify(dataDir)} cannot be written (${unwritable}); the worker stores every job's files there`,
      );
    }
  }
  return problems;
}

/** Why nothing can be written into `dir` (or the nearest folder that exists above it), or null when it can. */
function unwritableReason(dir: string): string | null {
  let existing = resolve(dir);
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const probe = join(existing, `.kiln-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
    return null;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return `${existing} is a file, not a folder`;
    return `${existing}: ${code === 'EROFS' ? 'read-only file system' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (error as Error).message}`;
  }
}

function fetchHandler(deps: WorkerDeps): JobHandler<'fetch'> {
  const { DATA_DIR } = deps.config.runtime;
  // Throws a ConfigError naming E621_USER when it is missing: the fetch role does not start without it.
  const e621 = deps.e621 ?? createE621Client(e621ConfigOf(deps.config), { log: deps.log });
  const findThread = projectThreadFinder(deps.database.db);
  return async (data, context) => {
    const reporter = createFetchReporter({
      poster: deps.discord,
      findThread,
      job: context.job,
      log: context.log,
      postUrl: (postId) => e621.postUrl(postId),
      intervalMs: deps.statusIntervalMs,
    });
    const handler = createFetchHandler({
      db: deps.database.db,
      e621,
      dataDir: DATA_DIR,
      log: context.log,
      report: (progress) => reporter.report(progress),
    });
    try {
      return await handler(data, context);
    } finally {
      await reporter.close();
    }
  };
}

/** The export job's dependencies: the image cache, and the download links of the bot's server (DATA_DIR/models). */
export function exportDepsFromEnv(deps: WorkerDeps): ExportJobDeps {
  const config = deps.config.runtime;
  const { PUBLIC_URL, LINK_SECRET, LINK_TTL_HOURS } = deps.config.trainer;
  const dataDir = resolve(config.DATA_DIR);
  return {
    db: deps.database.db,
    poster: deps.discord,
    log: deps.log.child({ role: 'autotag' }),
    dataDir,
    filesDir: join(dataDir, 'models'),
    links:
      PUBLIC_URL && LINK_SECRET
        ? createLinkSigner({
            publicUrl: PUBLIC_URL,
            secret: LINK_SECRET,
            ttlSeconds: Math.round(LINK_TTL_HOURS * 3600),
          })
        : null,
  };
}

/** Builds the handler of every job this worker serves; the runtime refuses roles left without one. */
export function createJobHandlers(deps: WorkerDeps): JobHandlers {
  const handlers: JobHandlers = {};
  // Auto-tagging and the likeness check of trainings share the process's tagger pool (src/tagger/pool.ts).
  if (deps.roles.includes('fetch')) handlers.fetch = fetchHandler(deps);
  if (deps.roles.includes('autotag')) {
    handlers.autotag = createAutotagHandler(autotagDepsFromEnv(deps));
    handlers.export = createExportHandler(exportDepsFromEnv(deps));
  }
  if (deps.roles.includes('train')) {
    const train = trainDepsFromEnv(deps);
    handlers.train = createTrainHandler(train);
    handlers.deliverEpoch = createDeliverEpochHandler(train);
  }
  return handlers;
}

/** Before taking jobs: trainings a previous process of this host left running are failed, with the reason. */
export async function recoverWorkerState(deps: WorkerDeps): Promise<void> {
  if (deps.roles.includes('train')) await recoverStaleRuns(trainDepsFromEnv(deps));
}
