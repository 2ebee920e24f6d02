import { captionName } from '../../../core/tags/names.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { OUTFIT_LIMITS, proposeOutfitFromInput } from '../../tagging.ts';

/**
 * `/lora outfit name:<tag> tags:<list>`: one outfit tag replaces its component tags on the images that wear
 * it (guide: Roxanne's `red shirt, crop top, leaf print` → `roxanneshirt`), after a vote.
 */
export const outfit: Subcommand = {
  name: 'outfit',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('outfit')
        .setDescription('Propose an outfit tag that replaces its component tags (voted on in the thread)')
        .addStringOption((option) =>
          option
            .setName('name')
            .setDescription('A new tag for the outfit, e.g. roxanneshirt')
            .setRequired(true)
            .setMaxLength(OUTFIT_LIMITS.name.max),
        )
        .addStringOption((option) =>
          option
            .setName('tags')
            .setDescription('The tags it replaces, comma separated, e.g. red shirt, crop top, leaf print')
            .setRequired(true)
            .setMaxLength(OUTFIT_LIMITS.tags.max),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, context) {
    const project = await resolveProject(
      context.db,
      interaction,
      interaction.options.getString(PROJECT_OPTION),
    );
    const {
      outfit: proposed,
      threadId,
      applied,
    } = await proposeOutfitFromInput(context, project, {
      name: interaction.options.getString('name', true),
      tags: interaction.options.getString('tags', true),
      userId: interaction.user.id,
    });
    await interaction.editReply({
      content: `Proposed the outfit \`${captionName(proposed.tag)}\` (${proposed.components.map((t) => `\`${captionName(t)}\``).join(', ')}; applies to ${applied} images). Its vote card is in <#${threadId}>.`,
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
