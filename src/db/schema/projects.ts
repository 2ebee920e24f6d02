import { sql } from 'drizzle-orm';
import { pgTable, serial, text, timestamp, uniqueIndex, index } from 'drizzle-orm/pg-core';
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
    notes: text('notes').notNull().default(''),
    status: text('status', { enum: PROJECT_STATUSES }).notNull().default('draft'),
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
