import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import type { Subcommand } from '../../handler-types.ts';
import { projectInfoMessage } from '../../../views/project-info.ts';
import { projectInfoText } from '../../../views/project-info-text.ts';

export const info: Subcommand = {
  name: 'info',
  build: (sub) =>
    withProjectOption(
      sub.setName('info').setDescription("Show a project's card, research notes and info.txt preview"),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const { flags, components } = projectInfoMessage(project, projectInfoText(project));
    await interaction.editReply({ flags, components });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
