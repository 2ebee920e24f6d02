import { and, asc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { guilds, projects, type ProjectRow } from '../schema/index.ts';
import type { ResearchNotes } from '../../core/project/research-notes.ts';

/** Postgres unique-violation, raised when a main tag is already used in the server. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const pgError = cause as { code?: string; constraint?: string };
  return pgError.code === '23505' && (constraint === undefined || pgError.constraint === constraint);
}

export async function ensureGuild(db: Db, guildId: string): Promise<void> {
  await db.insert(guilds).values({ id: guildId }).onConflictDoNothing();
}

export async function getGuild(db: Db, guildId: string) {
  const [row] = await db.select().from(guilds).where(eq(guilds.id, guildId));
  return row ?? null;
}

export async function setEditorRole(db: Db, guildId: string, roleId: string | null): Promise<void> {
  await db
    .insert(guilds)
    .values({ id: guildId, editorRoleId: roleId })
    .onConflictDoUpdate({ target: guilds.id, set: { editorRoleId: roleId, updatedAt: sql`now()` } });
}

export async function rememberUploadLimit(db: Db, guildId: string, bytes: number): Promise<void> {
  await db.update(guilds).set({ uploadLimitBytes: bytes }).where(eq(guilds.id, guildId));
}

export interface NewProject {
  guildId: string;
  channelId: string;
  ownerId: string;
  characterName: string;
  mainTag: string;
}

export async function insertProject(db: Db, values: NewProject): Promise<ProjectRow> {
  const [row] = await db.insert(projects).values(values).returning();
  if (!row) throw new Error('insert into projects returned no row');
  return row;
}

export async function deleteProject(db: Db, projectId: number): Promise<void> {
  await db.delete(projects).where(eq(projects.id, projectId));
}

export async function setProjectThread(
  db: Db,
  projectId: number,
  threadId: string,
  cardMessageId: string | null,
): Promise<void> {
  await db.update(projects).set({ threadId, cardMessageId }).where(eq(projects.id, projectId));
}

export async function getProject(db: Db, projectId: number): Promise<ProjectRow | null> {
  const [row] = await db.select().from(projects).where(eq(projects.id, projectId));
  return row ?? null;
}

export async function findProjectByThread(db: Db, threadId: string): Promise<ProjectRow | null> {
  const [row] = await db.select().from(projects).where(eq(projects.threadId, threadId));
  return row ?? null;
}

export async function findProjectByMainTag(
  db: Db,
  guildId: string,
  mainTag: string,
): Promise<ProjectRow | null> {
  const [row] = await db
    .select()
    .from(projects)
    .where(and(eq(projects.guildId, guildId), eq(projects.mainTag, mainTag)));
  return row ?? null;
}

export async function listProjects(db: Db, guildId: string): Promise<ProjectRow[]> {
  return db.select().from(projects).where(eq(projects.guildId, guildId)).orderBy(asc(projects.characterName));
}

/** Autocomplete: projects of the server whose name or main tag contains the typed text. */
export async function searchProjects(
  db: Db,
  guildId: string,
  text: string,
  limit = 25,
): Promise<ProjectRow[]> {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return db
    .select()
    .from(projects)
    .where(
      and(
        eq(projects.guildId, guildId),
        or(ilike(projects.characterName, pattern), ilike(projects.mainTag, pattern)),
      ),
    )
    .orderBy(asc(projects.characterName))
    .limit(limit);
}

export async function updateNotes(
  db: Db,
  projectId: number,
  notes: ResearchNotes,
): Promise<ProjectRow | null> {
  const [row] = await db.update(projects).set({ notes }).where(eq(projects.id, projectId)).returning();
  return row ?? null;
}
