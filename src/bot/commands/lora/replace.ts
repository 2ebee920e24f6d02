import { rescaleCropBox } from '../../../core/pruning/crop-rescale.ts';
import type { CropBox } from '../../../core/pruning/crops.ts';
import { UserError } from '../../../core/errors.ts';
import { cropsOfImage, saveReplacementWithCrops } from '../../../db/repositories/crops.ts';
import { candidateIdOfPost } from '../../../db/repositories/candidates.ts';
import type { CropRow } from '../../../db/schema/index.ts';
import { imagePixels } from '../../crop-access.ts';
import { loadImageForComponent } from '../../prune-access.ts';
import { fetchUploadedImage } from '../../../storage/uploaded-image.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import type { Subcommand } from '../../handler-types.ts';

export const replace: Subcommand = {
  name: 'replace',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('replace')
        .setDescription('Upload an edited version of an image (cleaned, cropped, recoloured)')
        .addIntegerOption((option) =>
          option
            .setName('post')
            .setDescription('The e621 post id of the image')
            .setRequired(true)
            .setMinValue(1),
        )
        .addAttachmentOption((option) =>
          option.setName('image').setDescription('PNG, JPEG or WebP').setRequired(true),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, dataDir, pruneRefresher }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    await assertCanEdit(db, interaction, project, 'replace a training image');
    // A replacement does not change which images are in the dataset, so it is welcome after Finalize too
    // (the clean-up flags ask for exactly that); the next autotag and training use it.
    const postId = interaction.options.getInteger('post', true);
    const candidateId = await candidateIdOfPost(db, project.id, postId);
    if (candidateId === null) {
      throw new UserError(
        'not-found',
        `Post ${postId} is not among the images of **${project.characterName}**.`,
      );
    }
    const attachment = interaction.options.getAttachment('image', true);
    const image = await fetchUploadedImage(attachment.url, { name: attachment.name, size: attachment.size });
    // Crop boxes are pixels of the picture they were drawn on: carry them over to the new size, or clear
    // the ones that no longer fit, so no export or training trips over a box outside the image.
    const { image: current } = await loadImageForComponent(db, candidateId, interaction.guildId);
    const { size: before } = await imagePixels(db, dataDir, current);
    const after = { width: image.width, height: image.height };
    const boxed = (await cropsOfImage(db, candidateId)).filter((crop) => crop.box !== null);
    const carried = boxed.map((crop) => ({
      crop,
      box: crop.box ? rescaleCropBox(crop.box, before, after) : null,
    }));
    await saveReplacementWithCrops(
      db,
      {
        candidateId: candidateId,
        md5: image.md5,
        format: image.format,
        width: image.width,
        height: image.height,
        data: image.data,
        uploadedBy: interaction.user.id,
      },
      carried.map(({ crop, box }) => ({ cropId: crop.id, box })),
    );
    await pruneRefresher.imageChanged(candidateId, project.id);
    pruneRefresher.projectChanged(project.id);
    await interaction.editReply({
      content: [
        `Stored your ${image.width}×${image.height} ${image.format} as the new version of post ${postId}. Training will use it instead of the e621 file${project.datasetFrozenAt ? '; run `/lora autotag` to tag it again' : ''}.`,
        ...cropNotes(carried, before, after, project.datasetFrozenAt !== null),
      ].join('\n'),
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};

function describeBox(box: CropBox): string {
  return `${box.left},${box.top} ${box.width}×${box.height}`;
}

/** What happened to each crop of the image, said so nothing changes silently. */
function cropNotes(
  carried: ReadonlyArray<{ crop: CropRow; box: CropBox | null }>,
  before: { width: number; height: number },
  after: { width: number; height: number },
  frozen: boolean,
): string[] {
  if (carried.length === 0 || (before.width === after.width && before.height === after.height)) return [];
  const scaled = carried.filter((entry) => entry.box !== null);
  const dropped = carried.filter((entry) => entry.box === null);
  const notes: string[] = [];
  if (scaled.length > 0) {
    notes.push(
      `Same shape as the ${before.width}×${before.height} picture, so its crops were scaled: ${scaled
        .map(({ crop, box }) => `${crop.kind} crop ${describeBox(crop.box!)} → ${describeBox(box!)}`)
        .join('; ')}.`,
    );
  }
  if (dropped.length > 0) {
    notes.push(
      `⚠️ Its shape differs from the ${before.width}×${before.height} picture, so these crop boxes no longer fit and were cleared: ${dropped
        .map(({ crop }) => `${crop.kind} crop ${describeBox(crop.box!)}`)
        .join(
          '; ',
        )}. ${frozen ? 'The dataset is finalized, so they are left out of training.' : 'Set them again from the pruning board (Crops).'}`,
    );
  }
  return notes;
}
