import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { notesModal } from '../../views/notes-modal.ts';
import { projectInfoMessage } from '../../views/project-info.ts';
import { projectInfoText } from '../../views/project-info-text.ts';
import { cardButtonId, type CardAction } from '../../views/card-ids.ts';

export const cardButtons: ComponentHandler<{ action: CardAction; projectId: number }> = {
  codec: cardButtonId,
  // "Write notes" answers with a modal, which must be the first response.
  acknowledge: ({ action }) => (action === 'notes' ? 'none' : 'ephemeral'),
  async run(interaction, { action, projectId }, { db }) {
    const project = await loadProjectForComponent(db, projectId, interaction.guildId);
    switch (action) {
      case 'notes':
        await assertCanEdit(db, interaction, project, 'write the research notes');
        await interaction.showModal(notesModal(project));
        return;
      case 'info': {
        const { flags, components } = projectInfoMessage(project, projectInfoText(project));
        await interaction.editReply({ flags, components });
        return;
      }
    }
  },
};
