import { sql } from 'drizzle-orm';
import { bigint, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { FoldChoice } from '../../core/tags/decision-votes.ts';
import { tagDecisions } from './tag-decisions.ts';

/** One vote per friend per tag question; a later click (by interaction id) replaces an earlier one. */
export const tagDecisionVotes = pgTable(
  'tag_decision_votes',
  {
    id: serial('id').primaryKey(),
    decisionId: integer('decision_id')
      .notNull()
      .references(() => tagDecisions.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    choice: text('choice').$type<FoldChoice>().notNull(),
    clickId: bigint('click_id', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('tag_decision_votes_decision_user').on(table.decisionId, table.userId)],
);

export type TagDecisionVoteRow = typeof tagDecisionVotes.$inferSelect;
