import { and, eq, notExists, sql } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { loadImageStates, userVote, type PruneImage } from '../db/repositories/pruning.ts';
import { projectCandidates, pruneVotes, type ProjectRow } from '../db/schema/index.ts';
import { reviewDoneMessage, reviewPagerMessage } from '../views/review-pager.ts';

/** How many images this friend has not voted on yet. */
export async function unvotedCount(db: Db, projectId: number, userId: string): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(projectCandidates)
    .where(
      and(
        eq(projectCandidates.projectId, projectId),
        eq(projectCandidates.status, 'candidate'),
        notExists(
          db
            .select({ one: sql`1` })
            .from(pruneVotes)
            .where(and(eq(pruneVotes.candidateId, projectCandidates.id), eq(pruneVotes.userId, userId))),
        ),
      ),
    );
  return row?.n ?? 0;
}

/** Renders the pager on an image (or the "all done" note when there is none). */
export async function renderPager(db: Db, project: ProjectRow, userId: string, image: PruneImage | null) {
  if (!image) return reviewDoneMessage(project.characterName);
  const [state] = await loadImageStates(db, project, [image.candidateId]);
  if (!state) return reviewDoneMessage(project.characterName);
  const [vote, left] = await Promise.all([
    userVote(db, image.candidateId, userId),
    unvotedCount(db, project.id, userId),
  ]);
  return reviewPagerMessage(state, vote, Math.max(0, left - (vote ? 0 : 1)));
}
