import { suggestTopCentredSquare } from '../../core/pruning/crops.ts';
import { loadImageStates, setOverride } from '../../db/repositories/pruning.ts';
import { addCrop, ensureHeadCrop } from '../../db/repositories/crops.ts';
import { votesOnImage } from '../../db/repositories/prune-votes.ts';
import { assertCanEdit } from '../project-access.ts';
import { assertNotFrozen, loadImageForComponent } from '../prune-access.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { imageDetailMessage } from '../../views/image-detail.ts';
import { cropModal } from '../../views/crop-modal.ts';
import { imageId, type ImageAction } from '../../views/prune-ids.ts';

export const imageDetail: ComponentHandler<{ candidateId: number; action: ImageAction }> = {
  codec: imageId,
  acknowledge: ({ action }) => {
    if (action === 'open') return 'ephemeral';
    // Crops answer with the box modal, which must be the first response.
    if (action === 'headcrop' || action === 'split') return 'none';
    return 'update';
  },
  async run(interaction, { candidateId, action }, { db, pruneRefresher }) {
    const { image, project } = await loadImageForComponent(db, candidateId, interaction.guildId);
    switch (action) {
      case 'open':
        break;
      case 'keep':
      case 'prune':
      case 'clear':
        assertNotFrozen(project);
        await assertCanEdit(db, interaction, project, 'override the vote');
        await setOverride(db, {
          candidateId,
          userId: interaction.user.id,
          decision: action === 'keep' ? 'kept' : action === 'prune' ? 'pruned' : 'undecided',
        });
        await pruneRefresher.imageChanged(candidateId, project.id);
        break;
      case 'headcrop':
      case 'split': {
        assertNotFrozen(project);
        await assertCanEdit(db, interaction, project, 'add a crop');
        const cropId =
          action === 'headcrop'
            ? await ensureHeadCrop(db, candidateId, interaction.user.id)
            : await addCrop(db, { candidateId, kind: 'split', createdBy: interaction.user.id });
        pruneRefresher.projectChanged(project.id);
        await interaction.showModal(
          cropModal(
            cropId,
            action === 'headcrop' ? 'headshot' : 'split',
            image,
            suggestTopCentredSquare(image),
          ),
        );
        return;
      }
    }
    const [state] = await loadImageStates(db, project, [candidateId]);
    const votes = await votesOnImage(db, candidateId);
    const voters = votes.length
      ? votes.map((vote) => `<@${vote.userId}> ${vote.choice}`).join(' · ')
      : 'No votes yet.';
    if (state)
      await interaction.editReply({ ...imageDetailMessage(state, voters), allowedMentions: { parse: [] } });
  },
};
