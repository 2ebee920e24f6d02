import { sql } from 'drizzle-orm';
import { index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { FoldChoice } from '../../core/tags/decision-votes.ts';
import type { TagGroupId } from '../../core/tags/groups.ts';
import { projects } from './projects.ts';

/**
 * A dataset-wide question about one tag, put to the group on a vote card: fold it into the main tag, keep it,
 * or drop it everywhere. Kiln proposes trait tags on most images; a friend can ask about any tag. `outcome`
 * is recomputed under a row lock on every vote and override (majority of votes, or the owner's word).
 */
export const tagDecisions = pgTable(
  'tag_decisions',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    /** The guide's group the tag belongs to (eye colour, species…); null for a tag outside them. */
    group: text('tag_group').$type<TagGroupId>(),
    /** Images carrying the tag when the card was made, out of `total`. */
    count: integer('count').notNull(),
    total: integer('total').notNull(),
    /** The friend who asked; null when Kiln proposed it. */
    proposedBy: text('proposed_by'),
    outcome: text('outcome').$type<FoldChoice | 'undecided'>().notNull().default('undecided'),
    ownerChoice: text('owner_choice').$type<FoldChoice>(),
    ownerId: text('owner_id'),
    /** The card: several proposals share one message. */
    channelId: text('channel_id'),
    messageId: text('message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (table) => [
    uniqueIndex('tag_decisions_project_tag').on(table.projectId, table.tag),
    index('tag_decisions_message').on(table.messageId),
  ],
);

export type TagDecisionRow = typeof tagDecisions.$inferSelect;
