import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { projectCandidates } from './project-candidates.ts';

/** The owner's word on an image, which beats the vote. */
export const pruneOverrides = pgTable('prune_overrides', {
  candidateId: integer('candidate_id')
    .primaryKey()
    .references(() => projectCandidates.id, { onDelete: 'cascade' }),
  decision: text('decision').$type<'kept' | 'pruned'>().notNull(),
  userId: text('user_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
