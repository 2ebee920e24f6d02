import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { ensureProjectThread } from '../../project-thread.ts';
import type { Subcommand } from '../../handler-types.ts';

export const thread: Subcommand = {
  name: 'thread',
  build: (sub) =>
    withProjectOption(
      sub.setName('thread').setDescription("Open a project's thread (recreates it if it was deleted)"),
      true,
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, client }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const threadGone =
      !project.threadId || !(await client.channels.fetch(project.threadId).catch(() => null));
    if (threadGone) await assertCanEdit(db, interaction, project, 'recreate the project thread');
    const { thread: projectThread, recreated } = await ensureProjectThread(client, db, project);
    await interaction.editReply({
      content: recreated
        ? `The old thread was deleted; **${project.characterName}** continues in <#${projectThread.id}>. Everything stored is still there.`
        : `**${project.characterName}** lives in <#${projectThread.id}>.`,
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
