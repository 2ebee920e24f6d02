import { coverageReport } from '../../../core/tags/coverage.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { loadTaggedProject } from '../../tagging.ts';
import { coverageView } from '../../../views/tagging-reports.ts';
import { asReply } from '../../../views/tagging-view.ts';

/** `/lora coverage`: each toggleable element's share against the guide's ¼–½ rule, headshots, traits left. */
export const coverage: Subcommand = {
  name: 'coverage',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('coverage')
        .setDescription(
          'How often each outfit and accessory appears, against the guide’s quarter-to-half rule',
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const tagging = await loadTaggedProject(db, project);
    const report = coverageReport(tagging.images, { mainTag: project.mainTag, decisions: tagging.decisions });
    await interaction.editReply(asReply(coverageView(project.characterName, report)));
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
