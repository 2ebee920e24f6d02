import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { ProjectQuery } from '../../core/query/schema.ts';
import { projects } from './projects.ts';

export const FETCH_RUN_STATES = ['running', 'succeeded', 'failed'] as const;
export type FetchRunState = (typeof FETCH_RUN_STATES)[number];

/**
 * One fetch of a project's candidates. At most one runs per project (a partial unique index), so a second
 * `/lora fetch` is refused while the first works; a retried job finds its own row and continues.
 */
export const fetchRuns = pgTable(
  'fetch_runs',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** The queue job doing the work; a retry of the same job resumes this run. */
    jobId: text('job_id'),
    requestedBy: text('requested_by'),
    state: text('state', { enum: FETCH_RUN_STATES }).notNull().default('running'),
    /** The query as it was when the run started. */
    query: jsonb('query').$type<ProjectQuery>().notNull(),
    /** Latest progress (counts and phase), for status messages after a restart. */
    progress: jsonb('progress').$type<Record<string, unknown>>(),
    /** Final counts, reasons and duplicate pairs. */
    summary: jsonb('summary').$type<Record<string, unknown>>(),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    /** Touched as work progresses; a running row that stops beating belonged to a worker that died. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('fetch_runs_one_running')
      .on(table.projectId)
      .where(sql`${table.state} = 'running'`),
    index('fetch_runs_project').on(table.projectId),
  ],
);

export type FetchRunRow = typeof fetchRuns.$inferSelect;
