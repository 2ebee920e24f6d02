import { and, eq, notExists, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { projectCandidates, pruneVotes } from '../schema/index.ts';

/** Who voted what on one image, for its detail view. */
export async function votesOnImage(db: Db, candidateId: number) {
  return db
    .select({ userId: pruneVotes.userId, choice: pruneVotes.choice })
    .from(pruneVotes)
    .where(eq(pruneVotes.candidateId, candidateId));
}

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
