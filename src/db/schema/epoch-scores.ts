import { integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { EpochScores } from '../../core/epochs/scores.ts';
import { trainingRuns } from './training-runs.ts';

/**
 * One row per saved epoch of a training run: where its file was kept for the vote, its likeness scores (null when
 * the check was unavailable: sampling off or no tagger on the worker), and, once the owner delivered it, who did.
 */
export const epochScores = pgTable(
  'epoch_scores',
  {
    id: serial('id').primaryKey(),
    runId: integer('run_id')
      .notNull()
      .references(() => trainingRuns.id, { onDelete: 'cascade' }),
    epoch: integer('epoch').notNull(),
    totalEpochs: integer('total_epochs').notNull(),
    scores: jsonb('scores').$type<EpochScores>(),
    /** The epoch's model file, kept under DATA_DIR/models for the vote; null until the training ended. */
    filePath: text('file_path'),
    /** Set on the epoch the owner delivered. */
    deliveredBy: text('delivered_by'),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('epoch_scores_run_epoch').on(table.runId, table.epoch)],
);

export type EpochScoreRow = typeof epochScores.$inferSelect;
