import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Preset, TrainingPlan } from '../../core/training/plan.ts';
import { projects } from './projects.ts';
import { trainingPlans } from './training-plans.ts';

export const TRAINING_RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type TrainingRunState = (typeof TRAINING_RUN_STATES)[number];
/** States in which a run still holds its place: a plan cannot start the same base model twice meanwhile. */
export const ACTIVE_RUN_STATES = ['queued', 'running'] as const satisfies readonly TrainingRunState[];

/** The latest progress of a run, as the status message shows it (also read back after a restart). */
export interface TrainingRunProgress {
  phase: 'preparing' | 'training' | 'checking' | 'delivering';
  step: number | null;
  totalSteps: number | null;
  epoch: number | null;
  totalEpochs: number | null;
  averageLoss: number | null;
  secondsPerStep: number | null;
  remainingSeconds: number | null;
  /** Average loss at the end of each finished epoch, in order. */
  epochLosses: Array<number | null>;
}

/**
 * One LoRA training: one base model of a plan, queued as one `train` job (job id `train-run-<id>`). The plan is
 * stored as it was computed, so the status, info.txt and the metadata check use the same numbers.
 */
export const trainingRuns = pgTable(
  'training_runs',
  {
    id: serial('id').primaryKey(),
    planId: integer('plan_id')
      .notNull()
      .references(() => trainingPlans.id, { onDelete: 'cascade' }),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    baseModelName: text('base_model_name').notNull(),
    preset: text('preset').$type<Preset>().notNull(),
    strength: doublePrecision('strength').notNull(),
    locon: boolean('locon').notNull(),
    samplePrompts: jsonb('sample_prompts').$type<string[]>().notNull().default([]),
    /** The plan (src/core/training) as computed when the run was started; the worker replaces it with the exact one. */
    plan: jsonb('plan').$type<TrainingPlan>().notNull(),
    state: text('state', { enum: TRAINING_RUN_STATES }).notNull().default('queued'),
    jobId: text('job_id'),
    /** The one status message of the run in the project thread. */
    statusChannelId: text('status_channel_id'),
    statusMessageId: text('status_message_id'),
    progress: jsonb('progress').$type<TrainingRunProgress>(),
    cancelRequestedAt: timestamp('cancel_requested_at', { withTimezone: true }),
    cancelRequestedBy: text('cancel_requested_by'),
    /** The host that runs it: a worker restarting on the same host fails its own leftover runs at once. */
    workerName: text('worker_name'),
    outputPath: text('output_path'),
    outputBytes: bigint('output_bytes', { mode: 'number' }),
    outputSha256: text('output_sha256'),
    /** Why it failed (a FailureReason of the trainer, or another short code) and what to do about it. */
    errorCode: text('error_code'),
    error: text('error'),
    requestedBy: text('requested_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    /** Touched with every status edit; a running row that stops beating belonged to a worker that died. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    // Two clicks on Start (or two bots) cannot queue the same base model of one plan twice.
    uniqueIndex('training_runs_one_active')
      .on(table.planId, table.baseModelName)
      .where(sql`${table.state} in ('queued', 'running')`),
    index('training_runs_project').on(table.projectId),
    index('training_runs_state').on(table.state),
  ],
);

export type TrainingRunRow = typeof trainingRuns.$inferSelect;
