import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { CropBox, CropKind } from '../../core/pruning/crops.ts';
import { projectCandidates } from './project-candidates.ts';

/**
 * Non-destructive edits (guide step 4): a box on the source image. A headshot vote opens a pending head
 * crop (no box yet); several crops of one image are a multi-pose split. `confirmed` once its preview was
 * approved.
 */
export const crops = pgTable(
  'crops',
  {
    id: serial('id').primaryKey(),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => projectCandidates.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<CropKind>().notNull(),
    box: jsonb('box').$type<CropBox>(),
    confirmed: boolean('confirmed').notNull().default(false),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('crops_candidate').on(table.candidateId),
    // One head crop per image: a second headshot vote must not open a second pending crop.
    uniqueIndex('crops_one_headshot')
      .on(table.candidateId)
      .where(sql`${table.kind} = 'headshot'`),
  ],
);

export type CropRow = typeof crops.$inferSelect;
