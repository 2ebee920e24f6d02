import { ChannelType, ThreadAutoArchiveDuration, type ThreadChannel } from 'discord.js';
import { UserError } from '../../../core/errors.ts';
import {
  CHARACTER_NAME_MAX_LENGTH,
  normalizeMainTag,
  validateCharacterName,
} from '../../../core/project/main-tag.ts';
import {
  deleteProject,
  ensureGuild,
  findProjectByMainTag,
  insertProject,
  isUniqueViolation,
  setProjectThread,
} from '../../../db/repositories/projects.ts';
import type { Subcommand } from '../../handler-types.ts';
import { projectCardMessage } from '../../../views/project-card.ts';

export const newProject: Subcommand = {
  name: 'new',
  build: (sub) =>
    sub
      .setName('new')
      .setDescription('Start a character LoRA project with its own thread')
      .addStringOption((option) =>
        option
          .setName('character')
          .setDescription('Character name, e.g. Krystal')
          .setRequired(true)
          .setMaxLength(CHARACTER_NAME_MAX_LENGTH + 20),
      )
      .addStringOption((option) =>
        option
          .setName('main_tag')
          .setDescription('The tag the LoRA will answer to, e.g. krystal')
          .setRequired(true),
      ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, log }) {
    const characterName = validateCharacterName(interaction.options.getString('character', true));
    const { tag: mainTag, changes } = normalizeMainTag(interaction.options.getString('main_tag', true));
    const channel = interaction.channel;
    if (channel?.type !== ChannelType.GuildText) {
      throw new UserError(
        'invalid-option',
        'Run `/lora new` in a text channel: Kiln opens a thread there for the project.',
      );
    }

    await ensureGuild(db, interaction.guildId);
    const taken = await findProjectByMainTag(db, interaction.guildId, mainTag);
    if (taken) throw mainTagTaken(mainTag, taken.characterName, taken.threadId);

    let project;
    try {
      project = await insertProject(db, {
        guildId: interaction.guildId,
        channelId: channel.id,
        ownerId: interaction.user.id,
        characterName,
        mainTag,
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const winner = await findProjectByMainTag(db, interaction.guildId, mainTag);
      throw mainTagTaken(mainTag, winner?.characterName ?? 'another project', winner?.threadId ?? null);
    }

    // The row exists before the thread so a crash never leaves an orphan thread without a project;
    // if Discord refuses, the row is removed again and nothing half-made remains.
    let thread: ThreadChannel | null = null;
    try {
      thread = await channel.threads.create({
        name: `LoRA · ${characterName}`.slice(0, 100),
        type: ChannelType.PublicThread,
        autoArchiveDuration: ThreadAutoArchiveDuration.OneWeek,
        reason: `Kiln project for ${characterName}, started by ${interaction.user.username}`,
      });
      const card = await thread.send(projectCardMessage({ ...project, threadId: thread.id }));
      await setProjectThread(db, project.id, thread.id, card.id);
    } catch (error) {
      log.warn({ err: error, projectId: project.id }, 'could not open the project thread; rolling back');
      await deleteProject(db, project.id).catch((cleanupError: unknown) =>
        log.error({ err: cleanupError }, 'rollback of the project row failed'),
      );
      if (thread) await thread.delete().catch(() => undefined);
      throw error;
    }

    const normalised =
      changes.length > 0 ? `\nMain tag normalised to \`${mainTag}\`: ${changes.join(', ')}.` : '';
    await interaction.editReply({
      content: `Started **${characterName}** (main tag \`${mainTag}\`) in <#${thread.id}>.${normalised}\nNext: write the research notes with the card's **Write notes** button or \`/lora notes\`.`,
    });
  },
};

function mainTagTaken(mainTag: string, characterName: string, threadId: string | null): UserError {
  const where = threadId ? ` in <#${threadId}>` : '';
  return new UserError(
    'main-tag-taken',
    `The main tag \`${mainTag}\` is already used by the project **${characterName}**${where}. Pick another main tag (adding the last name helps).`,
  );
}
