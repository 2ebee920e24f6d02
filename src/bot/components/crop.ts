import { UserError } from '../../core/errors.ts';
import { suggestTopCentredSquare, validateCrop } from '../../core/pruning/crops.ts';
import { setCropBox } from '../../db/repositories/pruning.ts';
import { loadCropContext } from '../crop-access.ts';
import { cropPreviewMessage, savedCropMessage, trimmedBox } from '../crop-preview.ts';
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
