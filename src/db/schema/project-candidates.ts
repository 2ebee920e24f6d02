import { index, integer, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { fetchRuns } from './fetch-runs.ts';
import { posts } from './posts.ts';
import { projects } from './projects.ts';

/**
 * `pending`: selected by the query, image not stored yet; `candidate`: stored, ready for pruning;
 * `skipped`: could not be stored (see skip_reason); `duplicate`: a copy of `duplicate_of`.
 * Later steps (pruning) add their own statuses.
 */
export const CANDIDATE_STATUSES = ['pending', 'candidate', 'skipped', 'duplicate'] as const;
export type CandidateStatus = (typeof CANDIDATE_STATUSES)[number];

/** A post selected for a project by its query, with the state of its stored image. */
export const projectCandidates = pgTable(
  'project_candidates',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    postId: integer('post_id')
      .notNull()
      .references(() => posts.id),
    /** 1-based rank in the latest fetch that selected it. */
    rank: integer('rank'),
    status: text('status').$type<CandidateStatus>().notNull().default('pending'),
    /** Stored image, relative to DATA_DIR (images/s<max short side>/<md5[0:2]>/<md5>.<ext>). */
    imagePath: text('image_path'),
    imageMd5: text('image_md5'),
    width: integer('width'),
    height: integer('height'),
    /** 64-bit difference hash, 16 hex digits. */
    dhash: text('dhash'),
    skipCode: text('skip_code'),
    skipReason: text('skip_reason'),
    duplicateOf: integer('duplicate_of').references(() => posts.id),
    duplicateKind: text('duplicate_kind').$type<'exact' | 'near'>(),
    duplicateDistance: integer('duplicate_distance'),
    fetchRunId: integer('fetch_run_id').references(() => fetchRuns.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (table) => [
    uniqueIndex('project_candidates_project_post').on(table.projectId, table.postId),
    index('project_candidates_project_status').on(table.projectId, table.status),
  ],
);

export type ProjectCandidateRow = typeof projectCandidates.$inferSelect;
