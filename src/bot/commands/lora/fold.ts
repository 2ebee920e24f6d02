import { UserError } from '../../../core/errors.ts';
import { tagCounts } from '../../../core/tags/dataset.ts';
import { validateFold } from '../../../core/tags/folds.ts';
import { classifyTag } from '../../../core/tags/groups.ts';
import { captionName } from '../../../core/tags/names.ts';
import { requestTagDecision } from '../../../db/repositories/tag-decisions.ts';
import { postFoldCards } from '../../../tagging/cards.ts';
import { liveOutfits } from '../../../tagging/project-tags.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { ensureProjectThread } from '../../project-thread.ts';
import { loadTaggedProject, restPoster } from '../../tagging.ts';

/**
 * `/lora fold tag:<tag>`: puts any tag to the group as a fold / keep / drop card (Kiln proposes the traits on
 * most images by itself). The main tag and outfit tags cannot be folded.
 */
export const fold: Subcommand = {
  name: 'fold',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('fold')
        .setDescription(
          'Ask the group whether a tag folds into the main tag, stays, or is dropped everywhere',
        )
        .addStringOption((option) =>
          option
            .setName('tag')
            .setDescription('The tag, e.g. blue eyes or facial_markings')
            .setRequired(true),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, client }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const tagging = await loadTaggedProject(db, project);
    const tag = validateFold(interaction.options.getString('tag', true), {
      mainTag: project.mainTag,
      outfitTags: liveOutfits(tagging.outfitRows).map((outfit) => outfit.tag),
    });
    const count = tagCounts(tagging.images).get(tag);
    if (!count) {
      throw new UserError(
        'invalid-tag',
        `\`${tag}\` is not on any image of **${project.characterName}**; there is nothing to fold or drop.`,
      );
    }
    const { row, created } = await requestTagDecision(db, {
      projectId: project.id,
      tag,
      group: classifyTag(tag, count.category)?.id ?? null,
      count: count.count,
      total: tagging.images.length,
      proposedBy: interaction.user.id,
    });
    if (!created && row.messageId) {
      await interaction.editReply({
        content: `\`${captionName(tag)}\` already has a card: https://discord.com/channels/${project.guildId}/${row.channelId ?? ''}/${row.messageId}`,
      });
      return;
    }
    const { thread } = await ensureProjectThread(client, db, project);
    await postFoldCards(db, restPoster(client), thread.id, project.mainTag, [row]);
    await interaction.editReply({
      content: `Posted a vote card for \`${captionName(tag)}\` (on ${count.count} of ${tagging.images.length} images) in <#${thread.id}>.`,
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
