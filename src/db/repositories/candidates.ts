import { and, eq } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { projectCandidates } from '../schema/index.ts';

/** The project's candidate for an e621 post, or null when the post is not among its images. */
export async function candidateIdOfPost(db: Db, projectId: number, postId: number): Promise<number | null> {
  const [candidate] = await db
    .select({ id: projectCandidates.id })
    .from(projectCandidates)
    .where(and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.postId, postId)));
  return candidate?.id ?? null;
}
