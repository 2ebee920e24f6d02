import { integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { trainingRuns } from './training-runs.ts';

/** One epoch vote per friend per training run; a new click replaces the old choice. */
export const epochVotes = pgTable(
  'epoch_votes',
  {
    id: serial('id').primaryKey(),
    runId: integer('run_id')
      .notNull()
      .references(() => trainingRuns.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    epoch: integer('epoch').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('epoch_votes_run_user').on(table.runId, table.userId)],
);

export type EpochVoteRow = typeof epochVotes.$inferSelect;
