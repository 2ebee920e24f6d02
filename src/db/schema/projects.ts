import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { EMPTY_NOTES, type ResearchNotes } from '../../core/project/research-notes.ts';
import { DEFAULT_QUERY, type ProjectQuery } from '../../core/query/schema.ts';
import { DEFAULT_QUORUM, type QuorumRule } from '../../core/pruning/votes.ts';
import { guilds } from './guilds.ts';

export const PROJECT_STATUSES = ['draft', 'fetching', 'pruning', 'tagging', 'training', 'done'] as const;
export type ProjectStatus = (typeof PROJECT_STATUSES)[number];

/** A character project: one LoRA, one thread, one group of friends. */
export const projects = pgTable(
  'projects',
  {
    id: serial('id').primaryKey(),
    guildId: text('guild_id')
      .notNull()
      .references(() => guilds.id),
    channelId: text('channel_id').notNull(),
    threadId: text('thread_id'),
    cardMessageId: text('card_message_id'),
    ownerId: text('owner_id').notNull(),
    characterName: text('character_name').notNull(),
    mainTag: text('main_tag').notNull(),
    notes: jsonb('notes').$type<ResearchNotes>().notNull().default(EMPTY_NOTES),
    status: text('status', { enum: PROJECT_STATUSES }).notNull().default('draft'),
    /** The e621 query (src/core/query): tag groups, blacklist, min score, top N… */
    query: jsonb('query').$type<ProjectQuery>().notNull().default(DEFAULT_QUERY),
    /** How votes decide an image (src/core/pruning/votes.ts). */
    quorum: jsonb('quorum').$type<QuorumRule>().notNull().default(DEFAULT_QUORUM),
    /** The pruning board at the top of the thread. */
    boardMessageId: text('board_message_id'),
    /** Set once by Finalize: from then on the kept images and crops are the dataset. */
    datasetFrozenAt: timestamp('dataset_frozen_at', { withTimezone: true }),
    datasetFrozenBy: text('dataset_frozen_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (table) => [
    uniqueIndex('projects_guild_main_tag').on(table.guildId, table.mainTag),
    uniqueIndex('projects_thread').on(table.threadId),
    index('projects_guild').on(table.guildId),
  ],
);

export type ProjectRow = typeof projects.$inferSelect;
