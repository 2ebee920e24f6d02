import { DiscordAPIError, type Client } from 'discord.js';
import type { BaseModel, TrainingPlan } from '../core/training/plan.ts';
import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import {
  finishTrainingRun,
  getTrainingPlan,
  insertRuns,
  latestRunPerModel,
  requestRunCancel,
  RunAlreadyActiveError,
  runsOfPlan,
  setPlanned,
  setRunJob,
  type PlanSettings,
} from '../db/repositories/training.ts';
import type { ProjectRow, TrainingPlanRow, TrainingRunRow } from '../db/schema/index.ts';
import type { JobProducer } from '../queue/producer.ts';
import { findBaseModel } from '../trainer/base-models.ts';
import { assertFinalized, loadTrainingDataset } from '../training/dataset.ts';
import { captionStyleFor } from '../core/tags/spelling.ts';
import { captionMainTag } from '../training/captions.ts';
import { epochSamplingOf, loadEpochCheckProject, planEpochCheck } from '../training/epoch-check.ts';
import {
  assertFolderSafeMainTag,
  NO_EPOCH_SAMPLES,
  planForRun,
  type EpochSampling,
} from '../training/plan.ts';
import { UserError } from '../core/errors.ts';
import { isAbandonedRun, WORKER_STOPPED } from '../training/stale-runs.ts';
import { planCardMessage } from '../views/train-plan.ts';

/**
 * The bot's side of training: turning a plan card's settings into the guide's plans (refusing what cannot be
 * trained), and drawing the card with its runs and their queue positions.
 */

/** The deterministic queue job id of a run: a second enqueue of the same run is ignored by BullMQ. */
export function trainJobId(runId: number): string {
  return `train-run-${runId}`;
}

export function resolveBaseModels(available: readonly BaseModel[], names: readonly string[]): BaseModel[] {
  if (available.length === 0) {
    throw new UserError(
      'invalid-option',
      'No base models are configured. The operator sets BASE_MODELS_FILE (the GPU worker’s list of checkpoints) for the bot and the worker.',
    );
  }
  if (names.length === 0) throw new UserError('invalid-option', 'Pick at least one base model.');
  const models = names.map((name) => findBaseModel(available, name));
  return models.filter((model, index) => models.findIndex((m) => m.name === model.name) === index);
}

/**
 * Plans for every base model of the settings, from the project's frozen dataset. With per-epoch samples on (the
 * worker's TRAIN_EPOCH_SAMPLES, on by default) the estimate counts the epoch check's prompts as the worker builds them.
 */
export async function computePlans(
  db: Db,
  project: ProjectRow,
  settings: PlanSettings,
  available: readonly BaseModel[],
  gpuMemoryGb: number | undefined,
  epochSamples = true,
): Promise<TrainingPlan[]> {
  assertFinalized(project);
  assertFolderSafeMainTag(project.mainTag);
  const models = resolveBaseModels(available, settings.baseModels);
  const dataset = await loadTrainingDataset(db, project);
  const checkProject = epochSamples ? await loadEpochCheckProject(db, project) : null;
  const samplingFor = (baseModel: BaseModel): EpochSampling =>
    checkProject
      ? epochSamplingOf(
          planEpochCheck({
            mainTag: captionMainTag(project.mainTag, captionStyleFor(baseModel.tagStyle)),
            family: baseModel.tagStyle,
            ownerPrompts: settings.samplePrompts,
            project: checkProject,
          }),
        )
      : NO_EPOCH_SAMPLES;
  return models.map((baseModel) =>
    planForRun({
      sampling: samplingFor(baseModel),
      dataset,
      settings: {
        preset: settings.preset,
        strength: settings.strength,
        locon: settings.locon,
        samplePrompts: settings.samplePrompts,
      },
      baseModel,
      gpuMemoryGb,
    }),
  );
}

/** The card as it should look now: the stored plans, the newest run per base model and queue positions. */
export async function renderPlanCard(
  db: Db,
  jobs: JobProducer | null,
  plan: TrainingPlanRow,
  project: ProjectRow,
) {
  const runs = latestRunPerModel(await runsOfPlan(db, plan.id));
  const positions = new Map<number, number | null>();
  if (jobs) {
    for (const run of runs) {
      if (run.state === 'queued' && run.jobId) positions.set(run.id, await jobs.position('train', run.jobId));
    }
  }
  return planCardMessage({ plan, project, plans: plan.planned, runs, positions });
}

/** Stores freshly computed plans on the row, so anyone can redraw the card later. */
export async function storePlanned(
  db: Db,
  plan: TrainingPlanRow,
  plans: TrainingPlan[],
): Promise<TrainingPlanRow> {
  await setPlanned(db, plan.id, plans);
  return { ...plan, planned: plans };
}

/** Redraws the card in its thread; a deleted card or thread is not an error. */
export async function refreshPlanCard(
  client: Client,
  db: Db,
  jobs: JobProducer | null,
  planId: number,
): Promise<boolean> {
  const plan = await getTrainingPlan(db, planId);
  if (!plan?.channelId || !plan.messageId) return false;
  const project = await getProject(db, plan.projectId);
  if (!project) return false;
  try {
    const channel = await client.channels.fetch(plan.channelId);
    if (!channel?.isSendable() || !('messages' in channel)) return false;
    await channel.messages.edit(plan.messageId, await renderPlanCard(db, jobs, plan, project));
    return true;
  } catch (error) {
    if (error instanceof DiscordAPIError) return false;
    throw error;
  }
}

/**
 * Start: one queued run per base model and one `train` job each (job id from the run id). A plan whose runs are
 * still queued or running is refused; runs that could not be queued are failed at once, so they never block a
 * later start.
 */
export async function startPlan(
  db: Db,
  jobs: JobProducer,
  plan: TrainingPlanRow,
  plans: readonly TrainingPlan[],
  userId: string,
): Promise<TrainingRunRow[]> {
  let runs: TrainingRunRow[];
  try {
    runs = await insertRuns(
      db,
      plan,
      plans.map((computed) => ({ baseModelName: computed.baseModel?.name ?? '', plan: computed })),
      userId,
    );
  } catch (error) {
    if (error instanceof RunAlreadyActiveError) {
      throw new UserError(
        'already-running',
        'This plan is already queued or training. Cancel it first, or wait for it to finish.',
      );
    }
    throw error;
  }
  const queued: TrainingRunRow[] = [];
  try {
    for (const run of runs) {
      const jobId = trainJobId(run.id);
      await jobs.enqueue('train', { runId: run.id, requestedBy: userId }, { jobId });
      await setRunJob(db, run.id, jobId);
      queued.push({ ...run, jobId });
    }
  } catch (error) {
    for (const run of runs.slice(queued.length)) {
      await finishTrainingRun(db, run.id, {
        state: 'failed',
        errorCode: 'not-queued',
        error: 'Could not be queued (the job queue did not answer).',
      });
    }
    throw error;
  }
  return queued;
}

/**
 * Cancel: every queued or running run is marked cancel-requested. A run still waiting in the queue is taken out
 * and cancelled at once; a running one is stopped by its worker, which watches the flag. A `running` run whose
 * worker stopped beating (it died) is cancelled at once too: nobody is left to stop it, and its folder is removed
 * when a worker starts again.
 */
export async function cancelRuns(
  db: Db,
  jobs: JobProducer,
  runs: readonly TrainingRunRow[],
  userId: string,
  now: Date = new Date(),
): Promise<CancelOutcome> {
  const outcome: CancelOutcome = { cancelled: [], stopping: [], starting: [], abandoned: [] };
  for (const run of runs) {
    const marked = await requestRunCancel(db, run.id, userId);
    if (!marked) continue;
    if (isAbandonedRun(marked, now)) {
      const finished = await finishTrainingRun(db, run.id, { state: 'cancelled', errorCode: WORKER_STOPPED });
      if (finished) {
        outcome.abandoned.push(finished);
        continue;
      }
    }
    const removed =
      marked.state === 'queued' && marked.jobId ? await jobs.cancel('train', marked.jobId) : false;
    if (removed) {
      const finished = await finishTrainingRun(db, run.id, { state: 'cancelled' });
      if (finished) {
        outcome.cancelled.push(finished);
        continue;
      }
    }
    (marked.state === 'running' ? outcome.stopping : outcome.starting).push(marked);
  }
  return outcome;
}

export interface CancelOutcome {
  /** Taken out of the queue: nothing had been written. */
  cancelled: TrainingRunRow[];
  /** Training on a live worker, which stops it and removes its partial files. */
  stopping: TrainingRunRow[];
  /** Queued runs a worker has already picked up: it cancels them before anything is written. */
  starting: TrainingRunRow[];
  /** `running` on a worker that stopped: cancelled now, folder removed when a worker starts again. */
  abandoned: TrainingRunRow[];
}

function trainings(count: number): string {
  return `${count} training${count === 1 ? '' : 's'}`;
}

/** The answer to Cancel, true for each kind of run it met. */
export function cancelMessage(outcome: CancelOutcome): string {
  const parts = [];
  const { cancelled, stopping, starting, abandoned } = outcome;
  if (cancelled.length > 0) {
    parts.push(
      `took ${cancelled.length} waiting training${cancelled.length === 1 ? '' : 's'} out of the queue (nothing had been written)`,
    );
  }
  if (starting.length > 0) {
    parts.push(
      `${trainings(starting.length)} the GPU worker was just starting will stop before anything is written`,
    );
  }
  if (stopping.length > 0) {
    parts.push(
      `asked the GPU worker to stop ${stopping.length} running training${stopping.length === 1 ? '' : 's'}; it removes the partial files and says so in the status message`,
    );
  }
  if (abandoned.length > 0) {
    parts.push(
      `marked ${trainings(abandoned.length)} cancelled whose GPU worker is no longer running (it stopped), so nothing was training; the leftover files are removed when the worker starts again`,
    );
  }
  return parts.length === 0 ? 'Nothing was left to cancel.' : `Cancelling: ${parts.join(', and ')}.`;
}
