// Long file: the train job in one class; to be split by concept (session, status, epoch check, delivery) once the branches editing it are merged (issue 13).
import { copyFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { isUserError, UserError } from '../../core/errors.ts';
import { scoreTable, type EpochScores } from '../../core/epochs/index.ts';
import { buildInfoTxt, type InfoTxtInput } from '../../core/info-txt.ts';
import { checkpointEpoch } from '../../core/training/outputs.ts';
import { listEpochs, saveEpochScores, setEpochFile } from '../../db/repositories/epochs.ts';
import { epochVoteCard } from '../../views/epoch-vote.ts';
import type { Tagger } from '../../tagger/tagger.ts';
import type { TaggerKind } from '../../tagger/tags-file.ts';
import {
  checkEpoch,
  epochSamplingOf,
  loadEpochCheckProject,
  planEpochCheck,
  type EpochCheckPlan,
  type EpochCheckProject,
} from '../../training/epoch-check.ts';
import { processTaggerPool, type TaggerPool } from '../../tagger/pool.ts';
import { formatNotes } from '../../core/project/research-notes.ts';
import { formatScientific, type BaseModel, type TrainingPlan } from '../../core/training/plan.ts';
import type { Db } from '../../db/client.ts';
import { getGuild, getProject } from '../../db/repositories/projects.ts';
import {
  claimRun,
  failStaleRuns,
  finishTrainingRun,
  getTrainingPlan,
  getTrainingRun,
  isCancelRequested,
  latestRunPerModel,
  runsOfPlan,
  saveRunProgress,
  setRunPlan,
  setRunStatusMessage,
  type RunOutcome,
} from '../../db/repositories/training.ts';
import type { ProjectRow, TrainingRunProgress, TrainingRunRow } from '../../db/schema/index.ts';
import { createLinkSigner, type LinkSigner } from '../../delivery/links.ts';
import { modelDeliveryMessage } from '../../delivery/model-message.ts';
import { runFilesKey, storeDownloadLink } from '../../delivery/store-links.ts';
import { publish } from '../../storage/cache.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { processStore } from '../../storage/process-store.ts';
import { effectiveUploadLimit, formatBytes } from '../../delivery/upload-limit.ts';
import type { Logger } from '../../log.ts';
import type { DiscordPoster, OutgoingMessage } from '../../notify/discord-rest.ts';
import { createThrottledStatus, type ThrottledStatus } from '../../notify/throttled-status.ts';
import {
  assertBaseModelFile,
  BaseModelListError,
  findBaseModel,
  loadBaseModels,
} from '../../trainer/base-models.ts';
import { buildTrainerConfig, writeTrainerConfig, type TrainerConfig } from '../../trainer/config.ts';
import { tokenizerCacheDir, trainerCacheEnv } from '../../trainer/cache-dirs.ts';
import { familyMismatch } from '../../trainer/doctor.ts';
import { DEFAULT_LAUNCHER, runTraining, type TrainerEvent, type TrainingResult } from '../../trainer/run.ts';
import {
  checkMetadata,
  describeMismatches,
  readSafetensorsHeader,
  sha256File,
} from '../../trainer/safetensors.ts';
import { planCardMessage } from '../../views/train-plan.ts';
import { assertFinalized, loadTrainingDataset } from '../../training/dataset.ts';
import { renderLossChart, type LossPoint } from '../../training/loss-chart.ts';
import { assertFolderSafeMainTag, NO_EPOCH_SAMPLES, planForRun } from '../../training/plan.ts';
import { serializeInfoInput } from '../../training/info-input.ts';
import { buildRunFolder } from '../../training/run-folder.ts';
import { hidePaths } from '../../training/public-text.ts';
import { runIdOfFolder, STALE_AFTER_SECONDS, WORKER_STOPPED } from '../../training/stale-runs.ts';
import { renderScoreChart } from '../../training/score-chart.ts';
import {
  imageMessage,
  runStatusMessage,
  type RunStatus,
  type RunStatusState,
} from '../../views/run-status.ts';
import type { WorkerConfig } from '../config.ts';
import type { JobContext, JobHandler } from '../runtime.ts';

/**
 * The `train` job: one LoRA for one base model. It rebuilds the dataset folder from Postgres (cached images,
 * uploaded replacements, crop boxes), writes sd-scripts' config.toml and dataset.toml, runs the training, keeps one
 * status message in the project thread up to date (edited about every 10 s) with a loss curve at each epoch end,
 * stops when someone presses Cancel, checks the finished file against the plan, and delivers it with info.txt:
 * attached when it fits the server's upload limit, else as a signed download link.
 */

export interface TrainJobDeps {
  db: Db;
  poster: DiscordPoster;
  log: Logger;
  /** DATA_DIR: image cache, run folders (`runs/`) and delivered files (`models/lora/`). */
  dataDir: string;
  /** SD_SCRIPTS_DIR; a run fails with a clear message when it is not set. */
  sdScriptsDir: string | undefined;
  launcher?: readonly string[] | undefined;
  /** This worker's base models (BASE_MODELS_FILE), read at each run so edits apply without a restart. */
  baseModels: () => Promise<readonly BaseModel[]>;
  gpuMemoryGb?: number | undefined;
  /** Download links for models over the upload limit; null when PUBLIC_URL or LINK_SECRET is missing. */
  links: LinkSigner | null;
  /**
   * Where the delivered model, the per-epoch files and info files are kept for the bot (default: the process's
   * store); with an object store, models over the upload limit get its presigned links.
   */
  store?: ObjectStore | null;
  /** How long a presigned link works (LINK_TTL_HOURS; default 7 days). */
  linkTtlSeconds?: number;
  /** This host: its own leftover `running` rows are failed when the worker starts again. */
  workerName: string;
  /** Extra environment for sd-scripts, read at each run. */
  trainerEnv?: () => Readonly<Record<string, string>>;
  /** TRAIN_DEVICE: on `cpu` (allowed by kiln doctor) sd-scripts trains in fp32. */
  trainDevice?: 'cuda' | 'cpu';
  /** Status edits at most this often (default 10 s). */
  statusIntervalMs?: number;
  /** How often the run row is read for a cancel request (default 1 s). */
  cancelPollMs?: number;
  cancelGraceMs?: number;
  /**
   * The taggers for the likeness check (one session per model per process); null or a missing model: the check is
   * said to be unavailable and the training goes on.
   */
  taggers?: Pick<TaggerPool, 'get'> | null;
  /** Folded traits, outfits and dataset tag counts; read from the tagging tables when left out. */
  epochInputs?: (project: ProjectRow) => Promise<EpochCheckProject>;
  /** Sample every epoch for the vote (default true); off, the vote card offers the files alone. */
  epochSamples?: boolean;
  /** Overrides the guide's 10 epochs (short trial runs and tests); the plan and its checks follow. */
  epochs?: number;
}

export const WORKER_STOPPED_MESSAGE =
  'The GPU worker stopped in the middle of this training (it was killed, crashed or restarted), so the run was lost. Press **Start again** on the plan card.';

const HEARTBEAT_MS = 30_000;
const DEFAULT_LINK_TTL_SECONDS = 7 * 24 * 3600;

/** The train role's dependencies from the worker's configuration (trainer and runtime sections). */
export function trainDepsFromEnv(deps: {
  database: { db: Db };
  log: Logger;
  config: WorkerConfig;
  discord: DiscordPoster;
  taggers?: TaggerPool | undefined;
}): TrainJobDeps {
  const config = { ...deps.config.runtime, ...deps.config.trainer };
  const { MODELS_DIR } = deps.config.tagger;
  const links =
    config.PUBLIC_URL && config.LINK_SECRET
      ? createLinkSigner({
          publicUrl: config.PUBLIC_URL,
          secret: config.LINK_SECRET,
          ttlSeconds: Math.round(config.LINK_TTL_HOURS * 3600),
        })
      : null;
  const listFile = config.BASE_MODELS_FILE;
  return {
    db: deps.database.db,
    poster: deps.discord,
    log: deps.log.child({ role: 'train' }),
    dataDir: resolve(config.DATA_DIR),
    sdScriptsDir: config.SD_SCRIPTS_DIR ? resolve(config.SD_SCRIPTS_DIR) : undefined,
    launcher: config.SD_SCRIPTS_LAUNCHER,
    baseModels: async () => {
      if (!listFile) {
        throw new UserError(
          'invalid-option',
          'This worker has no BASE_MODELS_FILE configured (the list of base-model checkpoints); the operator must set it.',
        );
      }
      try {
        return await loadBaseModels(listFile);
      } catch (error) {
        if (error instanceof BaseModelListError) throw new UserError('invalid-option', error.message);
        throw error;
      }
    },
    gpuMemoryGb: config.GPU_MEMORY_GB,
    links,
    linkTtlSeconds: Math.round(config.LINK_TTL_HOURS * 3600),
    workerName: hostname(),
    epochSamples: config.TRAIN_EPOCH_SAMPLES !== 'off',
    trainDevice: config.TRAIN_DEVICE,
    taggers: deps.taggers ?? processTaggerPool(MODELS_DIR, deps.log.child({ role: 'train' })),
  };
}

/** File stems safe everywhere: for the run folder, the delivered file and a link path. */
export function asciiStem(text: string, fallback = 'lora'): string {
  const stem = text
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 80);
  return stem === '' ? fallback : stem;
}

function emptyProgress(): TrainingRunProgress {
  return {
    phase: 'preparing',
    step: null,
    totalSteps: null,
    epoch: null,
    totalEpochs: null,
    averageLoss: null,
    secondsPerStep: null,
    remainingSeconds: null,
    epochLosses: [],
  };
}

function v2Body(message: {
  flags: number;
  components: Array<{ toJSON(): unknown }>;
}): RESTPostAPIChannelMessageJSONBody {
  return {
    flags: message.flags,
    components: message.components.map((component) => component.toJSON()),
    allowed_mentions: { parse: [] },
  } as RESTPostAPIChannelMessageJSONBody;
}

/** Redraws the plan card of a run from the rows (no queue positions: the worker has no view of the queue). */
export async function refreshPlanCardFromWorker(
  db: Db,
  poster: DiscordPoster,
  planId: number,
): Promise<void> {
  const plan = await getTrainingPlan(db, planId);
  if (!plan?.channelId || !plan.messageId) return;
  const project = await getProject(db, plan.projectId);
  if (!project) return;
  const runs = latestRunPerModel(await runsOfPlan(db, plan.id));
  await poster.edit(plan.channelId, plan.messageId, {
    body: v2Body(planCardMessage({ plan, project, plans: plan.planned, runs })),
  });
}

function threadOf(project: ProjectRow): string {
  return project.threadId ?? project.channelId;
}

function statusOf(run: TrainingRunRow, project: ProjectRow, state: RunStatusState, note?: string): RunStatus {
  return {
    runId: run.id,
    characterName: project.characterName,
    baseModelName: run.baseModelName,
    state,
    progress: run.progress,
    ...(note === undefined ? {} : { note }),
  };
}

/** Writes the final state of a run that never reached a session into its status message (or a new one). */
async function announceEnded(
  deps: Pick<TrainJobDeps, 'db' | 'poster' | 'log'>,
  run: TrainingRunRow,
  state: RunStatusState,
  note: string,
): Promise<void> {
  const project = await getProject(deps.db, run.projectId);
  if (!project) return;
  const body = runStatusMessage(statusOf(run, project, state, note));
  try {
    if (run.statusChannelId && run.statusMessageId) {
      await deps.poster.edit(run.statusChannelId, run.statusMessageId, { body });
    } else {
      const channelId = threadOf(project);
      const id = await deps.poster.post(channelId, { body });
      await setRunStatusMessage(deps.db, run.id, channelId, id);
    }
    await refreshPlanCardFromWorker(deps.db, deps.poster, run.planId);
  } catch (error) {
    deps.log.warn({ err: error, runId: run.id }, 'could not post the end of a training run');
  }
}

/**
 * At worker start: runs this host left `running` (its previous process died) and runs whose worker stopped
 * beating long ago are failed with the reason, so they can be started again.
 */
export async function recoverStaleRuns(
  deps: Pick<TrainJobDeps, 'db' | 'poster' | 'log' | 'workerName' | 'dataDir'>,
): Promise<TrainingRunRow[]> {
  const failed = await failStaleRuns(
    deps.db,
    deps.workerName,
    STALE_AFTER_SECONDS,
    stripMarkdown(WORKER_STOPPED_MESSAGE),
  );
  for (const run of failed) {
    deps.log.warn({ runId: run.id }, 'training run left running by a stopped worker marked failed');
    await announceEnded(deps, run, 'failed', WORKER_STOPPED_MESSAGE);
  }
  await removeLostRunFolders(deps);
  return failed;
}

/**
 * Removes the run folders (images, configs, partial checkpoints) of runs lost with their worker: failed for it
 * here, or cancelled from Discord while no worker ran. Nothing else would ever delete them.
 */
async function removeLostRunFolders(deps: Pick<TrainJobDeps, 'db' | 'log' | 'dataDir'>): Promise<void> {
  const runsDir = join(deps.dataDir, 'runs');
  const names = await readdir(runsDir).catch(() => [] as string[]);
  for (const name of names) {
    const runId = runIdOfFolder(name);
    if (runId === null) continue;
    const run = await getTrainingRun(deps.db, runId);
    if (!run || run.errorCode !== WORKER_STOPPED || run.state === 'queued' || run.state === 'running')
      continue;
    await rm(join(runsDir, name), { recursive: true, force: true }).catch((error: unknown) =>
      deps.log.warn({ err: error, runId }, 'could not remove the folder of a lost run'),
    );
    deps.log.info({ runId }, 'removed the folder of a run lost with its worker');
  }
}

function stripMarkdown(text: string): string {
  return text.replace(/\*\*/g, '');
}

export function createTrainHandler(deps: TrainJobDeps): JobHandler<'train'> {
  return async (data, context) => {
    const { db } = deps;
    const log = context.log.child({ runId: data.runId });
    const run = await getTrainingRun(db, data.runId);
    if (!run) {
      log.warn('training run no longer exists; nothing to do');
      return { skipped: 'gone' };
    }
    if (run.state === 'running') {
      // This job was taken before by a worker that died mid-run (BullMQ hands a stalled job out again).
      const failed = await finishTrainingRun(db, run.id, {
        state: 'failed',
        errorCode: WORKER_STOPPED,
        error: stripMarkdown(WORKER_STOPPED_MESSAGE),
      });
      if (failed) await announceEnded({ ...deps, log }, failed, 'failed', WORKER_STOPPED_MESSAGE);
      await rm(join(deps.dataDir, 'runs', `run-${run.id}`), { recursive: true, force: true });
      return { skipped: 'stalled' };
    }
    if (run.state !== 'queued') return { skipped: run.state };
    const claimed = await claimRun(db, run.id, deps.workerName);
    if (!claimed) {
      // Cancelled while it waited: a queued row with a cancel request (anything else moved on without us).
      const current = await getTrainingRun(db, run.id);
      if (current?.state !== 'queued' || current.cancelRequestedAt === null)
        return { skipped: current?.state };
      const cancelled = await finishTrainingRun(db, run.id, { state: 'cancelled' });
      if (cancelled)
        await announceEnded({ ...deps, log }, cancelled, 'cancelled', 'Cancelled before it started.');
      return { skipped: 'cancelled' };
    }
    const project = await getProject(db, claimed.projectId);
    if (!project) return { skipped: 'project gone' };
    const session = new TrainingSession(deps, claimed, project, context, log);
    return session.execute();
  };
}

class TrainingSession {
  private readonly progress: TrainingRunProgress = emptyProgress();
  private readonly losses: LossPoint[] = [];
  private readonly epochEnds: number[] = [];
  private readonly controller = new AbortController();
  private readonly status: ThrottledStatus<RunStatus>;
  private readonly channelId: string;
  /** Shared files (delivered model, epoch files): the store, or null when DATA_DIR is all there is. */
  private get store(): ObjectStore | null {
    return this.deps.store === undefined ? processStore() : this.deps.store;
  }
  private state: RunStatusState = 'preparing';
  /** Loss charts and sample posts, one after another, never blocking the training. */
  private posts: Promise<void> = Promise.resolve();
  private uploadLimit = effectiveUploadLimit(null);
  private startedAt = Date.now();
  private cancelRequested = false;
  /** The epoch check's prompts and scoring context; null when sampling is off. */
  private epochPlan: EpochCheckPlan | null = null;
  private outputName = '';
  private tagger: Promise<Tagger | null> | null = null;
  /** Why the likeness check is unavailable, once known. */
  private checkUnavailable: string | null = null;
  /** Outfit tags from the tagging step, listed in info.txt as toggles. */
  private outfitTags: string[] = [];

  constructor(
    private readonly deps: TrainJobDeps,
    private run: TrainingRunRow,
    private readonly project: ProjectRow,
    private readonly context: JobContext,
    private readonly log: Logger,
  ) {
    this.channelId = threadOf(project);
    this.status = createThrottledStatus<RunStatus>({
      intervalMs: deps.statusIntervalMs ?? 10_000,
      send: async (status, messageId) => {
        const body = runStatusMessage(status);
        await saveRunProgress(deps.db, run.id, this.progress).catch((error: unknown) =>
          log.warn({ err: error }, 'could not save the training progress'),
        );
        if (messageId) {
          await deps.poster.edit(this.channelId, messageId, { body });
          return messageId;
        }
        const id = await deps.poster.post(this.channelId, { body });
        await setRunStatusMessage(deps.db, run.id, this.channelId, id);
        return id;
      },
      onError: (error) => log.warn({ err: error }, 'could not update the training status message'),
    });
  }

  private view(note?: string): RunStatus {
    return {
      runId: this.run.id,
      characterName: this.project.characterName,
      baseModelName: this.run.baseModelName,
      state: this.state,
      progress: { ...this.progress, epochLosses: [...this.progress.epochLosses] },
      elapsedSeconds: (Date.now() - this.startedAt) / 1000,
      ...(note === undefined ? {} : { note }),
    };
  }

  private show(state: RunStatusState, note?: string): void {
    this.state = state;
    if (state === 'preparing' || state === 'training' || state === 'checking' || state === 'delivering') {
      this.progress.phase = state === 'checking' ? 'checking' : state === 'delivering' ? 'delivering' : state;
    }
    this.status.update(this.view(note));
  }

  private queuePost(what: string, make: () => Promise<OutgoingMessage | null>): void {
    this.posts = this.posts.then(async () => {
      try {
        const message = await make();
        if (message) await this.deps.poster.post(this.channelId, message);
      } catch (error) {
        this.log.warn({ err: error }, `could not post the ${what}`);
      }
    });
  }

  async execute(): Promise<unknown> {
    const { db } = this.deps;
    const stopWatching = this.watch();
    try {
      this.show('preparing');
      await refreshPlanCardFromWorker(db, this.deps.poster, this.run.planId).catch((error: unknown) =>
        this.log.warn({ err: error }, 'could not redraw the plan card'),
      );
      this.uploadLimit = effectiveUploadLimit((await getGuild(db, this.project.guildId))?.uploadLimitBytes);
      const outcome = await this.train();
      return await this.end(outcome.outcome, outcome.statusState, outcome.note);
    } catch (error) {
      // The thread is public: the reason without the worker's paths (the log keeps them).
      const message = isUserError(error)
        ? hidePaths(error.message)
        : `Kiln hit an internal error (${hidePaths(error instanceof Error ? error.message : String(error))}); it has been logged as run #${this.run.id}.`;
      if (!isUserError(error)) this.log.error({ err: error }, 'training run failed');
      await this.end(
        {
          state: 'failed',
          errorCode: isUserError(error) ? error.code : 'internal',
          error: stripMarkdown(message),
        },
        'failed',
        `**Why:** ${message}`,
      );
      // A user error says what to fix; anything else is a bug. Neither gets better with a retry.
      throw isUserError(error) ? error : new UnrecoverableError(message);
    } finally {
      stopWatching();
    }
  }

  /** Polls the row for a cancel request; also keeps the heartbeat going while nothing else writes. */
  private watch(): () => void {
    const { db } = this.deps;
    let lastBeat = Date.now();
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      void (async () => {
        try {
          if (!this.cancelRequested && (await isCancelRequested(db, this.run.id))) {
            this.cancelRequested = true;
            this.log.info('cancel requested');
            this.controller.abort();
          }
          if (Date.now() - lastBeat > HEARTBEAT_MS) {
            lastBeat = Date.now();
            await saveRunProgress(db, this.run.id, this.progress);
          }
        } catch (error) {
          this.log.warn({ err: error }, 'could not check the training run');
        } finally {
          busy = false;
        }
      })();
    }, this.deps.cancelPollMs ?? 1000);
    const onShutdown = (): void => this.controller.abort();
    this.context.signal.addEventListener('abort', onShutdown, { once: true });
    return () => {
      clearInterval(timer);
      this.context.signal.removeEventListener('abort', onShutdown);
    };
  }

  private async train(): Promise<{ outcome: RunOutcome; statusState: RunStatusState; note: string }> {
    const { deps, project, run } = this;
    const { db } = deps;
    if (!deps.sdScriptsDir) {
      throw new UserError(
        'invalid-option',
        'This worker has no SD_SCRIPTS_DIR configured (the folder of kohya-ss sd-scripts); the operator must set it.',
      );
    }
    assertFinalized(project);
    assertFolderSafeMainTag(project.mainTag);
    const baseModel = findBaseModel(await deps.baseModels(), run.baseModelName);
    await assertBaseModelFile(baseModel);
    const mismatch = await familyMismatch(baseModel);
    if (mismatch !== null) throw new UserError('invalid-model', mismatch);
    const dataset = await loadTrainingDataset(db, project);
    const settings = {
      preset: run.preset,
      strength: run.strength,
      locon: run.locon,
      samplePrompts: run.samplePrompts,
      epochs: deps.epochs,
    };
    // Refuses a dataset that cannot train before anything is written.
    planForRun({ dataset, settings, sampling: NO_EPOCH_SAMPLES, baseModel, gpuMemoryGb: deps.gpuMemoryGb });
    const runDir = join(deps.dataDir, 'runs', `run-${run.id}`);
    const folder = await buildRunFolder({
      db,
      dataDir: deps.dataDir,
      project,
      dataset,
      runDir,
      repeats: run.plan.repeats.value,
      tagStyle: baseModel.tagStyle,
    });
    const outputName = `${asciiStem(folder.mainTag)}-${asciiStem(baseModel.name, 'model')}`;
    const outputDir = join(runDir, 'output');
    this.outputName = outputName;
    if (deps.epochSamples !== false) {
      const inputs = await (deps.epochInputs ?? ((p: ProjectRow) => loadEpochCheckProject(db, p, this.log)))(
        project,
      );
      this.epochPlan = planEpochCheck({
        mainTag: folder.mainTag,
        family: baseModel.tagStyle,
        ownerPrompts: run.samplePrompts,
        project: inputs,
      });
      this.outfitTags = inputs.outfits.map((outfit) => outfit.tag);
      const warnings = this.epochPlan.warnings;
      if (warnings.length > 0) {
        this.queuePost('token budget warning', () =>
          Promise.resolve({
            body: { content: `⚠️ ${warnings.join('\n⚠️ ')}`.slice(0, 2000), allowed_mentions: { parse: [] } },
          }),
        );
      }
    } else {
      this.checkUnavailable = 'sampling is turned off for this training';
    }
    // The exact plan: image sizes as written (EXIF rotation and replacements included), samples as rendered.
    const plan = planForRun({
      dataset,
      settings,
      sampling: this.epochPlan ? epochSamplingOf(this.epochPlan) : NO_EPOCH_SAMPLES,
      baseModel,
      gpuMemoryGb: deps.gpuMemoryGb,
      imageSizes: folder.images.map(({ width, height }) => ({ width, height })),
    });
    await setRunPlan(db, run.id, plan);
    this.run = { ...run, plan };
    if (this.controller.signal.aborted) return this.cancelledBeforeStart(runDir);

    const prompts = this.epochPlan?.samplePrompts ?? [];
    const config = buildTrainerConfig({
      plan,
      imageDir: folder.imageDir,
      mainTag: folder.mainTag,
      baseModelPath: baseModel.file,
      outputDir,
      outputName,
      characterName: project.characterName,
      // sd-scripts' tokenizer kept under DATA_DIR: only a box's first training needs Hugging Face.
      tokenizerCacheDir: tokenizerCacheDir(deps.dataDir),
      ...(deps.trainDevice === 'cpu' ? { mixedPrecision: 'no' as const } : {}),
      ...(prompts.length > 0
        ? { samplePrompts: prompts, samplePromptsPath: join(runDir, 'sample_prompts.txt') }
        : {}),
    });
    const written = await writeTrainerConfig(config, runDir);
    this.progress.totalSteps = plan.totalSteps.value.steps;
    this.progress.totalEpochs = plan.epochs.value;
    this.progress.step = 0;
    this.startedAt = Date.now();
    this.show('training');
    let result: TrainingResult;
    try {
      result = await runTraining({
        sdScriptsDir: deps.sdScriptsDir,
        script: config.script,
        configPath: written.configPath,
        datasetPath: written.datasetPath,
        outputDir,
        outputName,
        launcher: deps.launcher ?? DEFAULT_LAUNCHER,
        env: { ...trainerCacheEnv(deps.dataDir), ...deps.trainerEnv?.() },
        signal: this.controller.signal,
        logFile: join(runDir, 'train.log'),
        ...(deps.cancelGraceMs === undefined ? {} : { cancelGraceMs: deps.cancelGraceMs }),
        onEvent: (event) => this.onEvent(event, plan),
      });
    } finally {
      await this.posts;
      await rm(join(runDir, 'img'), { recursive: true, force: true }).catch(() => undefined);
    }
    if (result.status === 'cancelled') {
      if (this.cancelRequested) {
        const row = await getTrainingRun(db, run.id);
        const by = row?.cancelRequestedBy ? ` by <@${row.cancelRequestedBy}>` : '';
        return {
          outcome: { state: 'cancelled', progress: this.progress },
          statusState: 'cancelled',
          note: `${result.message.replace('Training cancelled', `Training cancelled${by}`)}`,
        };
      }
      return {
        outcome: {
          state: 'failed',
          errorCode: 'worker-stopped',
          error: 'The GPU worker shut down during the training.',
          progress: this.progress,
        },
        statusState: 'failed',
        note: '**Why:** the GPU worker shut down during the training. Press **Start again** on the plan card.',
      };
    }
    if (result.status === 'failed') {
      return {
        outcome: {
          state: 'failed',
          errorCode: result.reason,
          error: hidePaths(result.message),
          progress: this.progress,
        },
        statusState: 'failed',
        note: `**Why:** ${hidePaths(result.message)}`,
      };
    }
    return this.deliver(result.modelPath, plan, baseModel, config, outputName);
  }

  private cancelledBeforeStart(runDir: string): {
    outcome: RunOutcome;
    statusState: RunStatusState;
    note: string;
  } {
    void rm(join(runDir, 'img'), { recursive: true, force: true }).catch(() => undefined);
    return {
      outcome: {
        state: this.cancelRequested ? 'cancelled' : 'failed',
        errorCode: this.cancelRequested ? null : 'worker-stopped',
        progress: this.progress,
      },
      statusState: this.cancelRequested ? 'cancelled' : 'failed',
      note: this.cancelRequested
        ? 'Cancelled before the training started.'
        : '**Why:** the GPU worker shut down.',
    };
  }

  private onEvent(event: TrainerEvent, plan: TrainingPlan): void {
    const progress = this.progress;
    switch (event.type) {
      case 'progress':
        progress.step = event.step;
        progress.totalSteps = event.totalSteps;
        if (event.epoch !== null) progress.epoch = event.epoch;
        if (event.totalEpochs !== null) progress.totalEpochs = event.totalEpochs;
        progress.averageLoss = event.avrLoss;
        progress.secondsPerStep = event.secondsPerStep;
        progress.remainingSeconds = event.remainingSeconds;
        if (event.avrLoss !== null && Number.isFinite(event.avrLoss)) {
          this.losses.push({ step: event.step, loss: event.avrLoss });
        }
        this.show('training');
        return;
      case 'epochStart':
        progress.epoch = event.epoch;
        progress.totalEpochs = event.totalEpochs;
        this.show('training');
        return;
      case 'epochEnd': {
        progress.epochLosses[event.epoch - 1] = event.averageLoss;
        const step = event.step ?? progress.step ?? 0;
        this.epochEnds.push(step);
        const losses = [...this.losses];
        const ends = [...this.epochEnds];
        const total = progress.totalSteps ?? plan.totalSteps.value.steps;
        this.queuePost(`loss curve of epoch ${event.epoch}`, async () => {
          const name = `loss-run${this.run.id}-epoch${event.epoch}.png`;
          const png = await renderLossChart({
            points: losses,
            totalSteps: total,
            epochEnds: ends,
            title: `${this.project.characterName} on ${this.run.baseModelName}: average loss`,
          });
          if (png.length > this.uploadLimit) return null;
          const loss =
            event.averageLoss === null
              ? 'unknown'
              : Number.isNaN(event.averageLoss)
                ? 'NaN'
                : event.averageLoss.toFixed(4);
          return {
            body: {
              ...imageMessage(
                `**Epoch ${event.epoch}/${event.totalEpochs}** of ${this.run.baseModelName} · average loss **${loss}** · step ${step}/${total}`,
                name,
                `Loss curve after epoch ${event.epoch}`,
              ),
              allowed_mentions: { parse: [] },
            },
            files: [{ name, data: png, contentType: 'image/png' }],
          };
        });
        return;
      }
      case 'samplesReady': {
        const check = this.epochPlan;
        if (!check) return;
        const { epoch, paths } = event;
        this.queuePost(`samples of epoch ${epoch}`, () => this.epochSamples(check, epoch, [...paths]));
        return;
      }
      case 'started':
      case 'checkpointSaved':
      case 'sampleImage':
      case 'log':
        return;
    }
  }

  /** Lazily loads this run's tagger; a missing model makes the check unavailable, never the training fail. */
  private loadTagger(kind: TaggerKind): Promise<Tagger | null> {
    this.tagger ??= (async () => {
      if (!this.deps.taggers) {
        this.checkUnavailable = 'no tagger is configured on this worker';
        return null;
      }
      try {
        return await this.deps.taggers.get(kind);
      } catch (error) {
        this.checkUnavailable = hidePaths(
          isUserError(error)
            ? error.message
            : `the tagger could not be loaded (${error instanceof Error ? error.message : String(error)})`,
        );
        this.log.warn({ err: error }, 'likeness check unavailable');
        return null;
      }
    })();
    return this.tagger;
  }

  /** One epoch's grid and likeness table, stored and posted in the thread. */
  private async epochSamples(
    check: EpochCheckPlan,
    epoch: number,
    paths: string[],
  ): Promise<OutgoingMessage | null> {
    const tagger = await this.loadTagger(check.taggerKind);
    const totalEpochs = this.progress.totalEpochs ?? epoch;
    const input = {
      epoch,
      title: `${this.project.characterName} on ${this.run.baseModelName}: epoch ${epoch}/${totalEpochs}`,
      paths,
      outputName: this.outputName,
      plan: check,
    };
    let result;
    try {
      result = await checkEpoch({ ...input, tagger });
    } catch (error) {
      if (tagger === null) throw error;
      // A tagger that breaks mid-run ends the check, not the training: the grids and the vote go on.
      this.log.warn({ err: error }, 'the tagger failed on the samples; likeness check stopped');
      this.checkUnavailable = `the tagger failed (${hidePaths(error instanceof Error ? error.message : String(error))})`;
      this.tagger = Promise.resolve(null);
      result = await checkEpoch({ ...input, tagger: null });
    }
    await saveEpochScores(this.deps.db, { runId: this.run.id, epoch, totalEpochs, scores: result.scores });
    const table = result.scores
      ? scoreTable(result.scores)
      : `Likeness check unavailable: ${this.checkUnavailable ?? 'no samples could be read'}. The grid and the vote still work.`;
    const content = `**Samples after epoch ${epoch}/${totalEpochs}** of ${this.run.baseModelName} (rows: prompts, columns: seeds)\n${table}`;
    const name = `samples-run${this.run.id}-e${epoch}.png`;
    return {
      body: { content: content.slice(0, 2000), allowed_mentions: { parse: [] } },
      files:
        result.grid.length <= this.uploadLimit ? [{ name, data: result.grid, contentType: 'image/png' }] : [],
    };
  }

  /**
   * Keeps every epoch's file for the vote (under the delivery folder, so the bot can deliver the chosen one), saves
   * what info.txt needs, and posts the vote card.
   */
  private async offerEpochs(
    outputDir: string,
    deliveryDir: string,
    deliveredPath: string,
    totalEpochs: number,
    infoInput: InfoTxtInput,
  ): Promise<void> {
    const { db, poster } = this.deps;
    const epochsDir = join(deliveryDir, 'epochs');
    await mkdir(epochsDir, { recursive: true });
    for (const name of await readdir(outputDir).catch(() => [] as string[])) {
      const epoch = checkpointEpoch(name, this.outputName, totalEpochs);
      if (epoch === null || epoch === totalEpochs) continue;
      const kept = join(epochsDir, name);
      await rename(join(outputDir, name), kept).catch(async () => {
        await copyFile(join(outputDir, name), kept);
        await rm(join(outputDir, name), { force: true });
      });
      await publish(this.store, this.deps.dataDir, runFilesKey(this.run.id, 'epochs', name));
      await setEpochFile(db, { runId: this.run.id, epoch, totalEpochs, filePath: kept });
    }
    await setEpochFile(db, { runId: this.run.id, epoch: totalEpochs, totalEpochs, filePath: deliveredPath });
    await writeFile(
      join(deliveryDir, 'info-input.json'),
      serializeInfoInput(infoInput, this.epochPlan?.planned.map((p) => p.prompt) ?? []),
      'utf8',
    );
    await publish(this.store, this.deps.dataDir, runFilesKey(this.run.id, 'info-input.json'));
    const epochs = await listEpochs(db, this.run.id);
    const scored = epochs.map((row) => ({ epoch: row.epoch, scores: row.scores }));
    await poster.post(this.channelId, {
      body: epochVoteCard({
        runId: this.run.id,
        characterName: this.project.characterName,
        baseModelName: this.run.baseModelName,
        ownerId: this.project.ownerId,
        epochs: scored,
        tally: scored.map(({ epoch }) => ({ epoch, votes: 0 })),
        leading: null,
        checkUnavailable: scored.every((row) => row.scores === null),
      }) as unknown as RESTPostAPIChannelMessageJSONBody,
      files: await this.scoreChartFile(scored.flatMap((row) => (row.scores ? [row.scores] : []))),
    });
  }

  /** The likeness chart across epochs for the vote card; nothing when no epoch was scored. */
  private async scoreChartFile(
    scores: EpochScores[],
  ): Promise<Array<{ name: string; data: Buffer; contentType: string }>> {
    if (scores.length === 0) return [];
    try {
      const data = await renderScoreChart(
        scores,
        `${this.project.characterName} on ${this.run.baseModelName}: likeness check per epoch`,
      );
      return data.length <= this.uploadLimit
        ? [{ name: `likeness-run${this.run.id}.png`, data, contentType: 'image/png' }]
        : [];
    } catch (error) {
      this.log.warn({ err: error }, 'could not draw the likeness chart');
      return [];
    }
  }

  private async deliver(
    modelPath: string,
    plan: TrainingPlan,
    baseModel: BaseModel,
    config: TrainerConfig,
    outputName: string,
  ): Promise<{ outcome: RunOutcome; statusState: RunStatusState; note: string }> {
    const { deps, project, run } = this;
    this.show('checking');
    const header = await readSafetensorsHeader(modelPath);
    const mismatches = checkMetadata(header.metadata, {
      plan,
      epoch: plan.epochs.value,
      baseModelPath: baseModel.file,
      outputName,
    });
    if (mismatches.length > 0) {
      const message = `The trained file does not match the plan: ${describeMismatches(mismatches)}.`;
      return {
        outcome: { state: 'failed', errorCode: 'invalid-model', error: message, progress: this.progress },
        statusState: 'failed',
        note: `**Why:** ${message}`,
      };
    }
    const sha256 = await sha256File(modelPath);
    const sizeBytes = (await stat(modelPath)).size;
    const fileName = `${outputName}.safetensors`;
    const relativeDir = `lora/${run.id}`;
    const deliveryDir = join(deps.dataDir, 'models', 'lora', String(run.id));
    await mkdir(deliveryDir, { recursive: true });
    const deliveredPath = join(deliveryDir, fileName);
    await rename(modelPath, deliveredPath).catch(async () => {
      await copyFile(modelPath, deliveredPath);
      await rm(modelPath, { force: true });
    });
    const infoInput: InfoTxtInput = {
      characterName: project.characterName,
      notes: formatNotes(project.notes),
      mainTag:
        config.config.metadata_trigger_phrase === undefined
          ? project.mainTag
          : String(config.config.metadata_trigger_phrase),
      outfitTags: this.outfitTags,
      toggleTags: [],
      reinforcementTags: [],
      plan,
      baseModel,
      // info.txt is posted in the thread: options that are worker paths show their file names only.
      sdScriptsOptions: Object.fromEntries(
        Object.entries(config.config).map(([key, value]) => [
          key,
          typeof value === 'string' ? hidePaths(value) : value,
        ]),
      ),
      file: { name: fileName, sizeBytes, sha256 },
      trainedAt: new Date().toISOString(),
    };
    const info = buildInfoTxt(infoInput);
    await writeFile(join(deliveryDir, 'info.txt'), info, 'utf8');
    // The bot may be on another machine: the model and its info go to the store before anyone is told.
    const modelKey = runFilesKey(run.id, fileName);
    await publish(this.store, deps.dataDir, modelKey);
    await publish(this.store, deps.dataDir, runFilesKey(run.id, 'info.txt'));

    this.show('delivering');
    const headline = `✅ **${project.characterName}** on **${baseModel.name}** is trained: \`${fileName}\`, ${formatBytes(sizeBytes)}, LR ${formatScientific(plan.learningRate.value)}, ${plan.totalSteps.value.steps} steps.\nSHA-256 \`${sha256}\``;
    const { message, note } = await modelDeliveryMessage({
      headline,
      fileName,
      filePath: deliveredPath,
      relativePath: `${relativeDir}/${fileName}`,
      sizeBytes,
      infoText: info,
      uploadLimit: this.uploadLimit,
      links: deps.links,
      storeLink: () =>
        storeDownloadLink(this.store, modelKey, fileName, deps.linkTtlSeconds ?? DEFAULT_LINK_TTL_SECONDS),
    });
    await deps.poster.post(this.channelId, message);
    await this.offerEpochs(dirname(modelPath), deliveryDir, deliveredPath, plan.epochs.value, {
      ...infoInput,
      file: { name: fileName, sizeBytes, sha256 },
    }).catch((error: unknown) => this.log.warn({ err: error }, 'could not post the epoch vote card'));
    return {
      outcome: {
        state: 'succeeded',
        outputPath: deliveredPath,
        outputBytes: sizeBytes,
        outputSha256: sha256,
        progress: this.progress,
      },
      statusState: 'succeeded',
      note,
    };
  }

  private async end(outcome: RunOutcome, statusState: RunStatusState, note: string): Promise<unknown> {
    const { db } = this.deps;
    const finished = await finishTrainingRun(db, this.run.id, outcome);
    this.state = statusState;
    await this.posts;
    await this.status.finish(this.view(note));
    await refreshPlanCardFromWorker(db, this.deps.poster, this.run.planId).catch((error: unknown) =>
      this.log.warn({ err: error }, 'could not redraw the plan card'),
    );
    this.log.info({ state: outcome.state, errorCode: outcome.errorCode }, 'training run ended');
    return { runId: this.run.id, state: finished?.state ?? outcome.state };
  }
}
