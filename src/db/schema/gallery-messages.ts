import { index, integer, pgTable, serial, text } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/** Which thread message shows which images, so a vote knows which message to refresh. */
export const galleryMessages = pgTable(
  'gallery_messages',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    channelId: text('channel_id').notNull(),
    messageId: text('message_id').notNull().unique(),
    candidateIds: integer('candidate_ids').array().notNull(),
  },
  (table) => [index('gallery_messages_project').on(table.projectId)],
);

export type GalleryMessageRow = typeof galleryMessages.$inferSelect;
