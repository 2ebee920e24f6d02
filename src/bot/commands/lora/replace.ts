import { UserError } from '../../../core/errors.ts';
import { saveReplacement } from '../../../db/repositories/pruning.ts';
import { candidateIdOfPost } from '../../../db/repositories/candidates.ts';
import { fetchUploadedImage } from '../../../storage/uploaded-image.ts';
import {
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
  async run(interaction, { db, pruneRefresher }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
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
    await saveReplacement(db, {
      candidateId,
      md5: image.md5,
      format: image.format,
      width: image.width,
      height: image.height,
      data: image.data,
      uploadedBy: interaction.user.id,
    });
    await pruneRefresher.imageChanged(candidateId, project.id);
    await interaction.editReply({
      content: `Stored your ${image.width}×${image.height} ${image.format} as the new version of post ${postId}. Training will use it instead of the e621 file${project.datasetFrozenAt ? '; run `/lora autotag` to tag it again' : ''}.`,
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
