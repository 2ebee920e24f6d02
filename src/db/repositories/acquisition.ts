import { count, desc, eq } from 'drizzle-orm';
import type { ProjectQuery } from '../../core/query/schema.ts';
import type { Db } from '../client.ts';
import { fetchRuns, projects, type FetchRunRow, type ProjectRow } from '../schema/index.ts';

/** The bot's reads and writes around acquisition: the project's query and its fetch runs. */

export async function setProjectQuery(
  db: Db,
  projectId: number,
  query: ProjectQuery,
): Promise<ProjectRow | null> {
  const [row] = await db.update(projects).set({ query }).where(eq(projects.id, projectId)).returning();
  return row ?? null;
}

/** How many fetches a project has had (running, finished or failed); numbers the next fetch job. */
export async function countFetchRuns(db: Db, projectId: number): Promise<number> {
  const [row] = await db.select({ n: count() }).from(fetchRuns).where(eq(fetchRuns.projectId, projectId));
  return row?.n ?? 0;
}

/** The project's most recent fetch run, whatever its state. */
export async function latestFetchRun(db: Db, projectId: number): Promise<FetchRunRow | null> {
  const [row] = await db
    .select()
    .from(fetchRuns)
    .where(eq(fetchRuns.projectId, projectId))
    .orderBy(desc(fetchRuns.id))
    .limit(1);
  return row ?? null;
}
