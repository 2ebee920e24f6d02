import { UserError } from '../core/errors.ts';
import type { Db } from '../db/client.ts';
import { getProject } from '../db/repositories/projects.ts';
import { getPruneImage, type PruneImage } from '../db/repositories/pruning.ts';
import type { ProjectRow } from '../db/schema/index.ts';

/** The image a button points at and its project, refusing images of another server or a gone project. */
export async function loadImageForComponent(
  db: Db,
  candidateId: number,
  guildId: string,
): Promise<{ image: PruneImage; project: ProjectRow }> {
  const image = await getPruneImage(db, candidateId);
  const project = image ? await getProject(db, image.projectId) : null;
  if (!image || !project || project.guildId !== guildId) {
    throw new UserError('project-gone', 'This image or its project no longer exists.');
  }
  return { image, project };
}

export function assertNotFrozen(project: ProjectRow): void {
  if (project.datasetFrozenAt !== null) {
    throw new UserError(
      'dataset-frozen',
      `The dataset of **${project.characterName}** was finalized; votes and crops are closed.`,
    );
  }
}
