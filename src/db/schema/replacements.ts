import { customType, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { projectCandidates } from './project-candidates.ts';

const bytea = customType<{ data: Buffer }>({ dataType: () => 'bytea' });

/**
 * An edited image uploaded by a friend (cleaned, cropped, recoloured) that replaces the e621 file in
 * training. The bytes live in Postgres so a worker on another machine can rebuild it without shared disk.
 */
export const replacements = pgTable('replacements', {
  candidateId: integer('candidate_id')
    .primaryKey()
    .references(() => projectCandidates.id, { onDelete: 'cascade' }),
  md5: text('md5').notNull(),
  format: text('format').notNull(),
  width: integer('width').notNull(),
  height: integer('height').notNull(),
  data: bytea('data').notNull(),
  uploadedBy: text('uploaded_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
