import { index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { taggedImages } from './tagged-images.ts';

/**
 * A friend's correction of one image's tags (the doubtful-tag pager): a tag removed from it, or a missing tag
 * added. The last word on a tag wins; re-tagging keeps the edits (the row of the image stays).
 */
export const imageTagEdits = pgTable(
  'image_tag_edits',
  {
    id: serial('id').primaryKey(),
    taggedImageId: integer('tagged_image_id')
      .notNull()
      .references(() => taggedImages.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    action: text('action').$type<'add' | 'remove'>().notNull(),
    userId: text('user_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('image_tag_edits_image_tag').on(table.taggedImageId, table.tag),
    index('image_tag_edits_image').on(table.taggedImageId),
  ],
);

export type ImageTagEditRow = typeof imageTagEdits.$inferSelect;
