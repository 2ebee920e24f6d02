import { UserError } from '../../core/errors.ts';
import { headshotShapeProblem, suggestTopCentredSquare, validateCrop } from '../../core/pruning/crops.ts';
import { setCropBox } from '../../db/repositories/crops.ts';
import { loadCropContext } from '../crop-access.ts';
import { cropPreviewMessage, savedCropMessage, trimmedBox } from '../crop-preview.ts';
import { assertCanEdit } from '../project-access.ts';
import { assertNotFrozen } from '../prune-access.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { cropModal } from '../../views/crop-modal.ts';
import { cropId, type CropAction } from '../../views/prune-ids.ts';

export const cropButtons: ComponentHandler<{ cropId: number; action: CropAction }> = {
  codec: cropId,
  acknowledge: ({ action }) => (action === 'edit' ? 'none' : 'update'),
  async run(interaction, { cropId: id, action }, { db, dataDir, pruneRefresher }) {
    const { crop, project, input, size } = await loadCropContext(db, dataDir, id, interaction.guildId);
    assertNotFrozen(project);
    await assertCanEdit(db, interaction, project, 'change a crop');
    switch (action) {
      case 'edit':
        await interaction.showModal(
          cropModal(crop.id, crop.kind, size, crop.box ?? suggestTopCentredSquare(size)),
        );
        return;
      case 'square':
      case 'trim': {
        const box = validateCrop(
          action === 'square' ? suggestTopCentredSquare(size) : await trimmedBox(input, size),
          size,
        );
        // Buttons of older previews may still offer the trim to a head crop: a suggestion must look like one.
        const problem = crop.kind === 'headshot' ? headshotShapeProblem(box, size) : null;
        if (problem !== null) {
          throw new UserError(
            'invalid-crop',
            `Trimming the borders gives ${box.left},${box.top} ${box.width}×${box.height}, which is no headshot: ${problem}. ` +
              'Use **Edit box** to draw it around the face, or the top-centred square.',
          );
        }
        await setCropBox(db, crop.id, box, false);
        await interaction.editReply(await cropPreviewMessage(crop, input, box));
        return;
      }
      case 'save': {
        if (!crop.box) throw new UserError('invalid-crop', 'Set a box first.');
        await setCropBox(db, crop.id, crop.box, true);
        pruneRefresher.projectChanged(project.id);
        await interaction.editReply(savedCropMessage(crop.kind, crop.box));
        return;
      }
    }
  },
};
