import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { UnrecoverableError } from 'bullmq';
import type { RESTPostAPIChannelMessageJSONBody } from 'discord.js';
import { readConfig } from '../../config/env.ts';
import { isUserError, UserError } from '../../core/errors.ts';
import { buildInfoTxt } from '../../core/info-txt.ts';
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
import { DEFAULT_LAUNCHER, runTraining, type TrainerEvent, type TrainingResult } from '../../trainer/run.ts';
import {
  checkMetadata,
  describeMismatches,
  readSafetensorsHeader,
  sha256File,
} from '../../trainer/safetensors.ts';
import { planCardMessage } from '../../bot/views/train-plan.ts';
import { assertFinalized, loadTrainingDataset } from '../../training/dataset.ts';
import { renderLossChart, type LossPoint } from '../../training/loss-chart.ts';
import { assertFolderSafeMainTag, planForRun, samplePromptsFor } from '../../training/plan.ts';
import { buildRunFolder } from '../../training/run-folder.ts';
import {
  galleryMessage,
  imageMessage,
  runStatusMessage,
  type RunStatus,
  type RunStatusState,
} from '../../training/status-view.ts';
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
  /** This host: its own leftover `running` rows are failed when the worker starts again. */
  workerName: string;
  /** Extra environment for sd-scripts, read at each run. */
  trainerEnv?: () => Readonly<Record<string, string>>;
  /** Status edits at most this often (default 10 s). */
  statusIntervalMs?: number;
  /** How often the run row is read for a cancel request (default 1 s). */
  cancelPollMs?: number;
  cancelGraceMs?: number;
}

export const WORKER_STOPPED_MESSAGE =
  'The GPU worker stopped in the middle of this training (it was killed, crashed or restarted), so the run was lost. Press **Start again** on the plan card.';

const HEARTBEAT_MS = 30_000;
/** Another host's running row with no heartbeat for this long belonged to a worker that died. */
const STALE_AFTER_SECONDS = 300;

/** The train role's dependencies from the environment (trainer and runtime sections). */
export function trainDepsFromEnv(deps: {
  database: { db: Db };
  log: Logger;
  env: Record<string, string | undefined>;
  discord: DiscordPoster;
}): TrainJobDeps {
  const config = readConfig(['runtime', 'trainer'], deps.env);
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
    workerName: hostname(),
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
  deps: Pick<TrainJobDeps, 'db' | 'poster' | 'log' | 'workerName'>,
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
  return failed;
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
        errorCode: 'worker-stopped',
        error: stripMarkdown(WORKER_STOPPED_MESSAGE),
      });
      if (failed) await announceEnded({ ...deps, log }, failed, 'failed', WORKER_STOPPED_MESSAGE);
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
  private state: RunStatusState = 'preparing';
  /** Loss charts and sample posts, one after another, never blocking the training. */
  private posts: Promise<void> = Promise.resolve();
  private uploadLimit = effectiveUploadLimit(null);
  private startedAt = Date.now();
  private cancelRequested = false;

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
      const message = isUserError(error)
        ? error.message
        : `Kiln hit an internal error (${error instanceof Error ? error.message : String(error)}); it has been logged as run #${this.run.id}.`;
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
    const dataset = await loadTrainingDataset(db, project);
    const settings = {
      preset: run.preset,
      strength: run.strength,
      locon: run.locon,
      samplePrompts: run.samplePrompts,
    };
    // Refuses a dataset that cannot train before anything is written.
    planForRun({ dataset, settings, baseModel, gpuMemoryGb: deps.gpuMemoryGb });
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
    // The exact plan: image sizes as written (EXIF rotation and replacements included).
    const plan = planForRun({
      dataset,
      settings,
      baseModel,
      gpuMemoryGb: deps.gpuMemoryGb,
      imageSizes: folder.images.map(({ width, height }) => ({ width, height })),
    });
    await setRunPlan(db, run.id, plan);
    this.run = { ...run, plan };
    if (this.controller.signal.aborted) return this.cancelledBeforeStart(runDir);

    const outputName = `${asciiStem(folder.mainTag)}-${asciiStem(baseModel.name, 'model')}`;
    const outputDir = join(runDir, 'output');
    const prompts = samplePromptsFor(run.samplePrompts);
    const config = buildTrainerConfig({
      plan,
      imageDir: folder.imageDir,
      mainTag: folder.mainTag,
      baseModelPath: baseModel.file,
      outputDir,
      outputName,
      characterName: project.characterName,
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
        env: deps.trainerEnv?.() ?? {},
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
          error: result.message,
          progress: this.progress,
        },
        statusState: 'failed',
        note: `**Why:** ${result.message}`,
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
        const paths = event.paths;
        this.queuePost(`samples of epoch ${event.epoch}`, async () => {
          const files = [];
          for (const [index, path] of paths.slice(0, 10).entries()) {
            const data = await readFile(path);
            if (data.length > this.uploadLimit) continue;
            files.push({
              name: `sample-run${this.run.id}-e${event.epoch}-${index}.png`,
              data,
              contentType: 'image/png',
              source: basename(path),
            });
          }
          if (files.length === 0) return null;
          return {
            body: {
              ...galleryMessage(
                `**Samples after epoch ${event.epoch}** of ${this.run.baseModelName}`,
                files.map((file) => ({
                  name: file.name,
                  description: this.run.samplePrompts[index(file.source)] ?? file.source,
                })),
              ),
              allowed_mentions: { parse: [] },
            },
            files: files.map(({ name, data, contentType }) => ({ name, data, contentType })),
          };
        });
        return;
      }
      case 'started':
      case 'checkpointSaved':
      case 'sampleImage':
      case 'log':
        return;
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
    const info = buildInfoTxt({
      characterName: project.characterName,
      notes: formatNotes(project.notes),
      mainTag:
        config.config.metadata_trigger_phrase === undefined
          ? project.mainTag
          : String(config.config.metadata_trigger_phrase),
      outfitTags: [],
      toggleTags: [],
      reinforcementTags: [],
      plan,
      baseModel,
      sdScriptsOptions: config.config,
      file: { name: fileName, sizeBytes, sha256 },
      trainedAt: new Date().toISOString(),
    });
    await writeFile(join(deliveryDir, 'info.txt'), info, 'utf8');

    this.show('delivering');
    const infoFile = { name: 'info.txt', data: Buffer.from(info, 'utf8'), contentType: 'text/plain' };
    const headline = `✅ **${project.characterName}** on **${baseModel.name}** is trained: \`${fileName}\`, ${formatBytes(sizeBytes)}, LR ${formatScientific(plan.learningRate.value)}, ${plan.totalSteps.value.steps} steps.\nSHA-256 \`${sha256}\``;
    let message: OutgoingMessage;
    let note: string;
    if (sizeBytes <= this.uploadLimit) {
      message = {
        body: { content: headline, allowed_mentions: { parse: [] } },
        files: [
          { name: fileName, data: await readFile(deliveredPath), contentType: 'application/octet-stream' },
          infoFile,
        ],
      };
      note = 'The model and info.txt are attached below.';
    } else if (deps.links) {
      const link = deps.links.sign(`${relativeDir}/${fileName}`);
      const until = `<t:${Math.floor(link.expiresAt.getTime() / 1000)}:f>`;
      message = {
        body: {
          content: `${headline}\nIt is larger than this server's upload limit (${formatBytes(this.uploadLimit)}), so here is a download link, valid until ${until}.`,
          components: [
            {
              type: 1,
              components: [{ type: 2, style: 5, label: `Download ${fileName}`.slice(0, 80), url: link.url }],
            },
          ],
          allowed_mentions: { parse: [] },
        },
        files: infoFile.data.length <= this.uploadLimit ? [infoFile] : [],
      };
      note = 'The download link and info.txt are below.';
    } else {
      message = {
        body: {
          content: `${headline}\nIt is larger than this server's upload limit (${formatBytes(this.uploadLimit)}) and Kiln has no public download address (the operator sets PUBLIC_URL and LINK_SECRET), so it cannot be shared here. The file is on the GPU worker at \`${deliveredPath}\`; compare its SHA-256 when you copy it.`,
          allowed_mentions: { parse: [] },
        },
        files: infoFile.data.length <= this.uploadLimit ? [infoFile] : [],
      };
      note = 'The model is too large to attach and no download address is configured; see below.';
    }
    await deps.poster.post(this.channelId, message);
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

/** `…_e000003_01_…` → 1: which prompt a sample file shows. */
function index(fileName: string): number {
  const match = /_e?\d{6,}_(\d{2,})_/.exec(fileName);
  return match ? Number(match[1]) : -1;
}
