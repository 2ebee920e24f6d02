import { parseCropText } from '../../core/pruning/crops.ts';
import { setCropBox } from '../../db/repositories/crops.ts';
import { loadCropContext } from '../crop-access.ts';
import { cropPreviewMessage } from '../crop-preview.ts';
import { assertCanEdit } from '../project-access.ts';
import { assertNotFrozen } from '../prune-access.ts';
import type { ModalHandler } from '../handler-types.ts';
import { CROP_FIELD, CROP_FIELD_LIMIT } from '../../views/crop-modal.ts';
import { readTextField } from '../../core/text-limits.ts';
import { cropModalId } from '../../views/prune-ids.ts';

/** A typed box is checked against the real image, stored unsaved, and previewed before Save. */
export const cropModalSubmit: ModalHandler<{ cropId: number }> = {
  codec: cropModalId,
  acknowledge: 'ephemeral',
  async run(interaction, { cropId }, { db, dataDir }) {
    const { crop, project, input, size } = await loadCropContext(db, dataDir, cropId, interaction.guildId);
    assertNotFrozen(project);
    await assertCanEdit(db, interaction, project, 'change a crop');
    const box = parseCropText(readTextField(interaction.fields, CROP_FIELD, CROP_FIELD_LIMIT), size);
    await setCropBox(db, crop.id, box, false);
    await interaction.editReply(await cropPreviewMessage(crop, input, box));
  },
};
