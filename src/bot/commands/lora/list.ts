import { ContainerBuilder, MessageFlags, TextDisplayBuilder } from 'discord.js';
import { listProjects } from '../../../db/repositories/projects.ts';
import type { Subcommand } from '../../handler-types.ts';

const MAX_LISTED = 40;

export const list: Subcommand = {
  name: 'list',
  build: (sub) => sub.setName('list').setDescription("List this server's LoRA projects"),
  acknowledge: 'ephemeral',
  async run(interaction, { db }) {
    const projects = await listProjects(db, interaction.guildId);
    if (projects.length === 0) {
      await interaction.editReply({ content: 'No projects yet. Start one with `/lora new`.' });
      return;
    }
    const lines = projects
      .slice(0, MAX_LISTED)
      .map(
        (project) =>
          `- **${project.characterName}** \`${project.mainTag}\` · ${project.status} · <@${project.ownerId}>${project.threadId ? ` · <#${project.threadId}>` : ''}`,
      );
    if (projects.length > MAX_LISTED) lines.push(`…and ${projects.length - MAX_LISTED} more.`);
    await interaction.editReply({
      flags: MessageFlags.IsComponentsV2,
      components: [
        new ContainerBuilder().addTextDisplayComponents(
          new TextDisplayBuilder().setContent(
            `### Projects (${projects.length})\n${lines.join('\n')}`.slice(0, 3900),
          ),
        ),
      ],
    });
  },
};
