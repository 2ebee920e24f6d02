import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { OutfitChoice } from '../../core/tags/decision-votes.ts';
import { projects } from './projects.ts';

/**
 * An outfit tag standing for its component tags (guide: Roxanne's `red shirt, crop top, …` become
 * `roxanneshirt`), proposed by a friend and put to a vote; applied to captions once accepted.
 */
export const outfits = pgTable(
  'outfits',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    components: jsonb('components').$type<string[]>().notNull(),
    proposedBy: text('proposed_by').notNull(),
    /** Recomputed under a row lock on every vote and override. */
    state: text('state').$type<'proposed' | 'accepted' | 'rejected'>().notNull().default('proposed'),
    ownerChoice: text('owner_choice').$type<OutfitChoice>(),
    ownerId: text('owner_id'),
    channelId: text('channel_id'),
    messageId: text('message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (table) => [uniqueIndex('outfits_project_tag').on(table.projectId, table.tag)],
);

export type OutfitRow = typeof outfits.$inferSelect;
