import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Per-server settings. A row appears the first time a server uses Kiln. */
export const guilds = pgTable('guilds', {
  id: text('id').primaryKey(),
  /** Members with this role may edit any project of the server, like its owner. */
  editorRoleId: text('editor_role_id'),
  /** Largest attachment the server accepts, last seen on an interaction (bytes). */
  uploadLimitBytes: integer('upload_limit_bytes'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type GuildRow = typeof guilds.$inferSelect;
