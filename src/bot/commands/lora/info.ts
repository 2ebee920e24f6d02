import { autocompleteProject, PROJECT_OPTION, resolveProject } from '../../project-access.ts';
import type { Subcommand } from '../../handler-types.ts';
import { projectInfoMessage } from '../../views/project-info.ts';
import { projectInfoText } from '../../project-info-text.ts';

export const info: Subcommand = {
  name: 'info',
  build: (sub) =>
    sub
      .setName('info')
      .setDescription("Show a project's card, research notes and info.txt preview")
      .addStringOption((option) =>
        option
          .setName(PROJECT_OPTION)
          .setDescription('Project (implied inside its thread)')
          .setAutocomplete(true),
      ),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const { flags, components } = projectInfoMessage(project, projectInfoText(project));
    await interaction.editReply({ flags, components });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
