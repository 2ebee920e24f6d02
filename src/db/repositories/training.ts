import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Preset, TrainingPlan } from '../../core/training/plan.ts';
import type { Db } from '../client.ts';
import {
  ACTIVE_RUN_STATES,
  trainingPlans,
  trainingRuns,
  type TrainingPlanRow,
  type TrainingRunProgress,
  type TrainingRunRow,
  type TrainingRunState,
} from '../schema/index.ts';
import { isUniqueViolation } from './projects.ts';

/** Thin queries over training_plans and training_runs; the rules live in the callers. */

export interface PlanSettings {
  preset: Preset;
  strength: number;
  locon: boolean;
  baseModels: string[];
  samplePrompts: string[];
}

export async function createTrainingPlan(
  db: Db,
  values: PlanSettings & { projectId: number; createdBy: string },
): Promise<TrainingPlanRow> {
  const [row] = await db.insert(trainingPlans).values(values).returning();
  if (!row) throw new Error('insert into training_plans returned no row');
  return row;
}

export async function getTrainingPlan(db: Db, planId: number): Promise<TrainingPlanRow | null> {
  const [row] = await db.select().from(trainingPlans).where(eq(trainingPlans.id, planId));
  return row ?? null;
}

export async function updateTrainingPlan(
  db: Db,
  planId: number,
  settings: PlanSettings,
): Promise<TrainingPlanRow | null> {
  const [row] = await db.update(trainingPlans).set(settings).where(eq(trainingPlans.id, planId)).returning();
  return row ?? null;
}

export async function setPlanMessage(
  db: Db,
  planId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await db.update(trainingPlans).set({ channelId, messageId }).where(eq(trainingPlans.id, planId));
}

/** Closes a plan card; only the first of two clicks gets the row back. */
export async function closeTrainingPlan(db: Db, planId: number): Promise<TrainingPlanRow | null> {
  const [row] = await db
    .update(trainingPlans)
    .set({ closedAt: sql`now()` })
    .where(and(eq(trainingPlans.id, planId), isNull(trainingPlans.closedAt)))
    .returning();
  return row ?? null;
}

export async function runsOfPlan(db: Db, planId: number): Promise<TrainingRunRow[]> {
  return db.select().from(trainingRuns).where(eq(trainingRuns.planId, planId)).orderBy(asc(trainingRuns.id));
}

/** The newest run of each base model of a plan, in base-model order of the newest runs. */
export function latestRunPerModel(runs: readonly TrainingRunRow[]): TrainingRunRow[] {
  const latest = new Map<string, TrainingRunRow>();
  for (const run of runs) {
    const current = latest.get(run.baseModelName);
    if (!current || current.id < run.id) latest.set(run.baseModelName, run);
  }
  return [...latest.values()].sort((a, b) => a.id - b.id);
}

export interface NewRun {
  baseModelName: string;
  plan: TrainingPlan;
}

export class RunAlreadyActiveError extends Error {
  override readonly name = 'RunAlreadyActiveError';
}

/**
 * Creates one queued run per base model of a plan in one transaction. A base model of this plan that is still
 * queued or running makes the whole start fail (the partial unique index decides, so two clicks cannot race).
 */
export async function insertRuns(
  db: Db,
  plan: TrainingPlanRow,
  runs: readonly NewRun[],
  requestedBy: string,
): Promise<TrainingRunRow[]> {
  try {
    return await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(trainingRuns)
        .values(
          runs.map((run) => ({
            planId: plan.id,
            projectId: plan.projectId,
            baseModelName: run.baseModelName,
            preset: plan.preset,
            strength: plan.strength,
            locon: plan.locon,
            samplePrompts: plan.samplePrompts,
            plan: run.plan,
            requestedBy,
          })),
        )
        .returning();
      return inserted.sort((a, b) => a.id - b.id);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'training_runs_one_active')) {
      throw new RunAlreadyActiveError('a run of this plan is already queued or running');
    }
    throw error;
  }
}

export async function setRunJob(db: Db, runId: number, jobId: string): Promise<void> {
  await db.update(trainingRuns).set({ jobId }).where(eq(trainingRuns.id, runId));
}

export async function getTrainingRun(db: Db, runId: number): Promise<TrainingRunRow | null> {
  const [row] = await db.select().from(trainingRuns).where(eq(trainingRuns.id, runId));
  return row ?? null;
}

/** Marks a queued or running run as cancel-requested; the worker watching it stops the process. */
export async function requestRunCancel(
  db: Db,
  runId: number,
  userId: string,
): Promise<TrainingRunRow | null> {
  const [row] = await db
    .update(trainingRuns)
    .set({
      cancelRequestedAt: sql`coalesce(${trainingRuns.cancelRequestedAt}, now())`,
      cancelRequestedBy: userId,
    })
    .where(and(eq(trainingRuns.id, runId), inArray(trainingRuns.state, [...ACTIVE_RUN_STATES])))
    .returning();
  return row ?? null;
}

/** Takes a queued run for this worker; null when it is not queued any more or a cancel came first. */
export async function claimRun(db: Db, runId: number, workerName: string): Promise<TrainingRunRow | null> {
  const [row] = await db
    .update(trainingRuns)
    .set({ state: 'running', workerName, startedAt: sql`now()`, heartbeatAt: sql`now()` })
    .where(
      and(
        eq(trainingRuns.id, runId),
        eq(trainingRuns.state, 'queued'),
        isNull(trainingRuns.cancelRequestedAt),
      ),
    )
    .returning();
  return row ?? null;
}

export async function saveRunProgress(db: Db, runId: number, progress: TrainingRunProgress): Promise<void> {
  await db
    .update(trainingRuns)
    .set({ progress, heartbeatAt: sql`now()` })
    .where(eq(trainingRuns.id, runId));
}

export async function setRunPlan(db: Db, runId: number, plan: TrainingPlan): Promise<void> {
  await db.update(trainingRuns).set({ plan }).where(eq(trainingRuns.id, runId));
}

export async function setRunStatusMessage(
  db: Db,
  runId: number,
  channelId: string,
  messageId: string,
): Promise<void> {
  await db
    .update(trainingRuns)
    .set({ statusChannelId: channelId, statusMessageId: messageId })
    .where(eq(trainingRuns.id, runId));
}

export async function isCancelRequested(db: Db, runId: number): Promise<boolean> {
  const [row] = await db
    .select({ at: trainingRuns.cancelRequestedAt })
    .from(trainingRuns)
    .where(eq(trainingRuns.id, runId));
  return row?.at !== null && row?.at !== undefined;
}

export interface RunOutcome {
  state: Extract<TrainingRunState, 'succeeded' | 'failed' | 'cancelled'>;
  errorCode?: string | null;
  error?: string | null;
  outputPath?: string | null;
  outputBytes?: number | null;
  outputSha256?: string | null;
  progress?: TrainingRunProgress | null;
}

/** Ends a run that is still queued or running; null when something else ended it first. */
export async function finishTrainingRun(
  db: Db,
  runId: number,
  outcome: RunOutcome,
): Promise<TrainingRunRow | null> {
  const [row] = await db
    .update(trainingRuns)
    .set({ ...outcome, finishedAt: sql`now()` })
    .where(and(eq(trainingRuns.id, runId), inArray(trainingRuns.state, [...ACTIVE_RUN_STATES])))
    .returning();
  return row ?? null;
}

/**
 * Runs left `running` by a worker that died: every one this host was running (its process is gone, since a
 * host trains one at a time per worker) and any whose heartbeat stopped long ago.
 */
export async function failStaleRuns(
  db: Db,
  workerName: string,
  staleAfterSeconds: number,
  reason: string,
): Promise<TrainingRunRow[]> {
  return db
    .update(trainingRuns)
    .set({ state: 'failed', errorCode: 'worker-stopped', error: reason, finishedAt: sql`now()` })
    .where(
      and(
        eq(trainingRuns.state, 'running'),
        or(
          eq(trainingRuns.workerName, workerName),
          lt(trainingRuns.heartbeatAt, sql`now() - make_interval(secs => ${staleAfterSeconds})`),
        ),
      ),
    )
    .returning();
}

export async function setPlanned(db: Db, planId: number, planned: TrainingPlan[]): Promise<void> {
  await db.update(trainingPlans).set({ planned }).where(eq(trainingPlans.id, planId));
}
