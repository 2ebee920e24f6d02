import { MessageFlags, type RepliableInteraction } from 'discord.js';

/**
 * Answers privately whatever state the interaction is in: a first reply, an edit of a deferred
 * ephemeral reply, or a follow-up after a public defer or a component update.
 */
export async function replyPrivately(interaction: RepliableInteraction, content: string): Promise<void> {
  if (!interaction.deferred && !interaction.replied) {
    await interaction.reply({ content, flags: MessageFlags.Ephemeral });
    return;
  }
  if (interaction.deferred && !interaction.replied && interaction.ephemeral) {
    await interaction.editReply({ content });
    return;
  }
  await interaction.followUp({ content, flags: MessageFlags.Ephemeral });
}
