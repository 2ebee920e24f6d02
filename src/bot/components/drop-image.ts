import { loadDatasetSources } from '../../db/repositories/tagging.ts';
import { setOverride } from '../../db/repositories/pruning.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertCanEdit } from '../project-access.ts';
import { loadImageForComponent } from '../prune-access.ts';
import { dropImageId } from '../../views/tagging-ids.ts';

/**
 * "Drop post N" under auto-tagging's list of images it could not read: the one change a finalized dataset
 * accepts, so a broken file never leaves a project that no command can move on. The image is pruned by the
 * owner's override (its crops go with it); trainings use the rest.
 */
export const dropImage: ComponentHandler<{ candidateId: number }> = {
  codec: dropImageId,
  acknowledge: 'ephemeral',
  async run(interaction, { candidateId }, { db, pruneRefresher }) {
    const { image, project } = await loadImageForComponent(db, candidateId, interaction.guildId);
    await assertCanEdit(db, interaction, project, 'drop an image from the dataset');
    await setOverride(db, { candidateId, userId: interaction.user.id, decision: 'pruned' });
    await pruneRefresher.imageChanged(candidateId, project.id);
    pruneRefresher.projectChanged(project.id);
    const left = (await loadDatasetSources(db, project)).filter((source) => source.cropId === null).length;
    await interaction.editReply({
      content: `Post ${image.postId} is out of the dataset of **${project.characterName}**; ${left} kept image${left === 1 ? '' : 's'} remain for training. Its tags and crops are no longer used.`,
    });
  },
};
