import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import type { Subcommand } from '../../handler-types.ts';
import { notesModal } from '../../../views/notes-modal.ts';

export const notes: Subcommand = {
  name: 'notes',
  build: (sub) =>
    withProjectOption(
      sub.setName('notes').setDescription("Write the character's research notes (they become info.txt)"),
    ),
  // A modal must be the first answer, so this handler answers by itself.
  acknowledge: 'none',
  async run(interaction, { db }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    await assertCanEdit(db, interaction, project, 'write the research notes');
    await interaction.showModal(notesModal(project));
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
