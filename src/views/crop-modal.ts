import { LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import type { CropBox } from '../core/pruning/crops.ts';
import { cropModalId } from './prune-ids.ts';

export const CROP_FIELD = 'box';
export const CROP_FIELD_LIMIT = { label: 'The crop box', max: 60 };

/** The crop box as four numbers, in pixels or percent, prefilled with the current box or a suggestion. */
export function cropModal(
  cropId: number,
  kind: string,
  image: { width: number; height: number },
  box: CropBox,
) {
  return new ModalBuilder()
    .setCustomId(cropModalId.encode({ cropId }))
    .setTitle(`${kind[0]?.toUpperCase() ?? ''}${kind.slice(1)} crop`.slice(0, 45))
    .addLabelComponents(
      new LabelBuilder()
        .setLabel('left, top, width, height')
        .setDescription(
          `Pixels of the ${image.width}×${image.height} image, or percent (e.g. 25%, 0%, 50%, 40%).`,
        )
        .setTextInputComponent(
          new TextInputBuilder()
            .setCustomId(CROP_FIELD)
            .setStyle(TextInputStyle.Short)
            .setRequired(true)
            .setMaxLength(CROP_FIELD_LIMIT.max)
            .setValue(`${box.left}, ${box.top}, ${box.width}, ${box.height}`),
        ),
    );
}
