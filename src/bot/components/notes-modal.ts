import { updateNotes } from '../../db/repositories/projects.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { refreshProjectCard } from '../project-thread.ts';
import type { ModalHandler } from '../handler-types.ts';
import { readNotesModal } from '../../views/notes-modal.ts';
import { notesModalId } from '../../views/card-ids.ts';

export const notesModalSubmit: ModalHandler<{ projectId: number }> = {
  codec: notesModalId,
  acknowledge: 'ephemeral',
  async run(interaction, { projectId }, { db, client, log }) {
    const project = await loadProjectForComponent(db, projectId, interaction.guildId);
    await assertCanEdit(db, interaction, project, 'write the research notes');
    const notes = readNotesModal(interaction.fields);
    const updated = await updateNotes(db, project.id, notes);
    if (!updated) throw new Error(`project ${project.id} vanished while saving notes`);
    const cardUpdated = await refreshProjectCard(client, updated).catch((error: unknown) => {
      log.warn({ err: error }, 'could not refresh the project card');
      return false;
    });
    await interaction.editReply({
      content: `Saved the research notes of **${updated.characterName}**.${cardUpdated ? '' : ' (The card in the thread could not be updated; `/lora thread` reopens it.)'}`,
    });
  },
};
