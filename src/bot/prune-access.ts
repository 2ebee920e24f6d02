import { UserError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { getPruneImageWithProject, type PruneImage } from '../db/repositories/pruning.ts';
import type { ProjectRow } from '../db/schema/index.ts';

/** The image a button points at and its project, refusing images of another server or a gone project. */
export async function loadImageForComponent(
  db: Db,
  candidateId: number,
  guildId: string,
): Promise<{ image: PruneImage; project: ProjectRow }> {
  const found = await getPruneImageWithProject(db, candidateId);
  if (!found || found.project.guildId !== guildId) {
    throw new UserError('project-gone', 'This image or its project no longer exists.');
  }
  return found;
}

export function assertNotFrozen(project: ProjectRow): void {
  if (project.datasetFrozenAt !== null) {
    throw new UserError(
      'dataset-frozen',
      `The dataset of **${project.characterName}** was finalized; votes and crops are closed.`,
    );
  }
}
