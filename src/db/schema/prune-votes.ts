import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { VoteChoice } from '../../core/pruning/votes.ts';
import { projectCandidates } from './project-candidates.ts';

/** One vote per friend per image; a newer click replaces the old choice (unique index + upsert). */
export const pruneVotes = pgTable(
  'prune_votes',
  {
    id: serial('id').primaryKey(),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => projectCandidates.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    choice: text('choice').$type<VoteChoice>().notNull(),
    /**
     * The Discord interaction id (a time-ordered snowflake) of the click that set this choice. Two quick
     * clicks may be handled out of order; the later click always wins.
     */
    clickId: bigint('click_id', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('prune_votes_candidate_user').on(table.candidateId, table.userId),
    index('prune_votes_user').on(table.userId),
  ],
);

export type PruneVoteRow = typeof pruneVotes.$inferSelect;
