import type { Db } from '../db/client.ts';
import { loadImageStates, userVote, type PruneImage } from '../db/repositories/pruning.ts';
import { unvotedCount } from '../db/repositories/prune-votes.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { reviewDoneMessage, reviewPagerMessage } from '../views/review-pager.ts';

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
