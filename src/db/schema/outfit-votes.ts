import { sql } from 'drizzle-orm';
import { bigint, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { OutfitChoice } from '../../core/tags/decision-votes.ts';
import { outfits } from './outfits.ts';

/** One vote per friend per outfit; a later click (by interaction id) replaces an earlier one. */
export const outfitVotes = pgTable(
  'outfit_votes',
  {
    id: serial('id').primaryKey(),
    outfitId: integer('outfit_id')
      .notNull()
      .references(() => outfits.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull(),
    choice: text('choice').$type<OutfitChoice>().notNull(),
    clickId: bigint('click_id', { mode: 'bigint' })
      .notNull()
      .default(sql`0`),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex('outfit_votes_outfit_user').on(table.outfitId, table.userId)],
);

export type OutfitVoteRow = typeof outfitVotes.$inferSelect;
