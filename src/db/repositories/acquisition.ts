import { count, eq } from 'drizzle-orm';
import type { ProjectQuery } from '../../core/query/schema.ts';
import type { Db } from '../client.ts';
import { fetchRuns, projects, type ProjectRow } from '../schema/index.ts';

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
