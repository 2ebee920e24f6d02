import { boolean, index, integer, jsonb, pgTable, serial, text, timestamp } from 'drizzle-orm/pg-core';
import type { CropKind } from '../../core/pruning/crops.ts';
import type { MergedTag, TagEvidence } from '../../core/tags/merge.ts';
import { crops } from './crops.ts';
import { projectCandidates } from './project-candidates.ts';
import { projects } from './projects.ts';

/** Which tags each tagger's vocabulary knows, among the tags seen on one image (for the caption sets). */
export interface KnownTags {
  wd: string[];
  e621: string[];
}

/**
 * One dataset image (a kept image, or a confirmed crop of one) after auto-tagging: what the post and both
 * taggers said (`evidence`, tagger scores down to a floor, so thresholds can change without tagging again) and
 * the tags merged under the project's thresholds, each with its sources and confidence.
 */
export const taggedImages = pgTable(
  'tagged_images',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** `i<candidate id>` for a whole image, `c<crop id>` for a crop: one row per dataset image. */
    imageKey: text('image_key').notNull().unique(),
    candidateId: integer('candidate_id')
      .notNull()
      .references(() => projectCandidates.id, { onDelete: 'cascade' }),
    cropId: integer('crop_id').references(() => crops.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<'image' | CropKind>().notNull(),
    /** File stem in a training folder: `<post id>`, or `<post id>-<crop kind>-<crop id>`. */
    name: text('name').notNull(),
    /** Cropped or replaced by an upload: the post's own tags may name things no longer in the picture. */
    edited: boolean('edited').notNull(),
    evidence: jsonb('evidence').$type<TagEvidence>().notNull(),
    known: jsonb('known').$type<KnownTags>().notNull(),
    tags: jsonb('tags').$type<MergedTag[]>().notNull(),
    taggedAt: timestamp('tagged_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index('tagged_images_project').on(table.projectId)],
);

export type TaggedImageRow = typeof taggedImages.$inferSelect;
