import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  serial,
  text,
  timestamp,
  boolean,
} from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import type { Preset, TrainingPlan } from '../../core/training/plan.ts';
import { projects } from './projects.ts';

/**
 * The settings behind one `/lora train` plan card (preset, strength, LoCon, base models, sample prompts), kept in
 * Postgres so the card's Start, Edit and Cancel buttons work after a restart. Starting it creates one training
 * run per base model.
 */
export const trainingPlans = pgTable(
  'training_plans',
  {
    id: serial('id').primaryKey(),
    projectId: integer('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    /** Where the card is (the project thread) and its message, once posted. */
    channelId: text('channel_id'),
    messageId: text('message_id'),
    preset: text('preset').$type<Preset>().notNull(),
    strength: doublePrecision('strength').notNull(),
    locon: boolean('locon').notNull().default(false),
    /** Names from the base-model list; one LoRA is trained per name. */
    baseModels: jsonb('base_models').$type<string[]>().notNull(),
    /** Extra prompts rendered at each epoch end. */
    samplePrompts: jsonb('sample_prompts').$type<string[]>().notNull().default([]),
    /** The plans the card shows, one per base model, so the worker can redraw the card without the bot. */
    planned: jsonb('planned').$type<TrainingPlan[]>().notNull().default([]),
    /** Set when the card was cancelled before any start: its buttons do nothing after that. */
    closedAt: timestamp('closed_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (table) => [index('training_plans_project').on(table.projectId)],
);

export type TrainingPlanRow = typeof trainingPlans.$inferSelect;
