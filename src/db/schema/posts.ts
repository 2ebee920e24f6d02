import { boolean, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { PostTags, Rating } from '../../core/query/post.ts';

/**
 * e621 posts Kiln has seen: enough to rebuild captions, rankings and the image cache on any machine
 * (the file comes back from e621 by URL and is checked against the md5).
 */
export const posts = pgTable(
  'posts',
  {
    /** e621's post id. */
    id: integer('id').primaryKey(),
    md5: text('md5').notNull(),
    fileExt: text('file_ext').notNull(),
    width: integer('width').notNull(),
    height: integer('height').notNull(),
    fileSize: integer('file_size').notNull(),
    score: integer('score').notNull(),
    favCount: integer('fav_count').notNull().default(0),
    rating: text('rating').$type<Rating>().notNull(),
    /** Tags by e621 category, each list as e621 sorts it. */
    tags: jsonb('tags').$type<PostTags>().notNull(),
    sources: jsonb('sources').$type<string[]>().notNull().default([]),
    /** Null when e621 hid it from the request that saw the post (login-blocked or deleted). */
    fileUrl: text('file_url'),
    previewUrl: text('preview_url'),
    sampleUrl: text('sample_url'),
    deleted: boolean('deleted').notNull().default(false),
    postedAt: timestamp('posted_at', { withTimezone: true }),
    /** When e621 last told us about this post (scores and tags change). */
    fetchedAt: timestamp('fetched_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('posts_md5').on(table.md5)],
);

export type PostRow = typeof posts.$inferSelect;
