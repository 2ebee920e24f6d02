import { doublePrecision, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { WdThresholdPreset } from '../../core/tags/thresholds.ts';
import { projects } from './projects.ts';

/**
 * A project's tagger thresholds (guide: e621 tagger 0.7; WD 0.4–0.7 by how close the character is to what an
 * anime model already draws). No row: the defaults (WD "in between" 0.55, e621 0.7).
 */
export const taggerSettings = pgTable('tagger_settings', {
  projectId: integer('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  /** The guide's choice the WD threshold came from; null when a number was typed. */
  wdPreset: text('wd_preset').$type<WdThresholdPreset>(),
  wdThreshold: doublePrecision('wd_threshold').notNull(),
  e621Threshold: doublePrecision('e621_threshold').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type TaggerSettingsRow = typeof taggerSettings.$inferSelect;
