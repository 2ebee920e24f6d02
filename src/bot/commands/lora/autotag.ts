import { countTaggedImages } from '../../../db/repositories/tagging.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { ensureProjectThread } from '../../project-thread.ts';
import { assertFinalizedForTagging, enqueueAutotag } from '../../tagging.ts';

/**
 * `/lora autotag`: (re)runs auto-tagging of the finalized dataset. Finalize starts it once by itself; running
 * it again (after new thresholds below the stored scores, or new models) re-tags every image and keeps the
 * friends' edits and votes.
 */
export const autotag: Subcommand = {
  name: 'autotag',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('autotag')
        .setDescription('Tag every kept image and crop with the WD and e621 taggers (again)'),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, client, jobs }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    await assertCanEdit(db, interaction, project, 'start auto-tagging');
    assertFinalizedForTagging(project);
    // The worker posts its progress into the thread, so it must exist before the job is queued.
    const { thread } = await ensureProjectThread(client, db, project);
    const before = await countTaggedImages(db, project.id);
    const { queued } = await enqueueAutotag(jobs, project, interaction.user.id);
    await interaction.editReply({
      content: queued
        ? `Queued auto-tagging of **${project.characterName}**${before > 0 ? ' again (edits and votes are kept)' : ''}. Progress and results will appear in <#${thread.id}>.`
        : `Auto-tagging of **${project.characterName}** is already queued or running; its progress shows in <#${thread.id}>.`,
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
