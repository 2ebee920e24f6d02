import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  TextDisplayBuilder,
} from 'discord.js';

/** The private answer to **Crop in browser** / **Edit tags**: a link for this person only, and when it dies. */
export function editorLinkMessage(
  page: 'crops' | 'tags',
  characterName: string,
  link: { url: string; expiresAt: Date },
) {
  const what = page === 'crops' ? 'crop editor' : 'tag editor';
  const expires = Math.floor(link.expiresAt.getTime() / 1000);
  const container = new ContainerBuilder()
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `Your link to the ${what} of **${characterName}**. It is yours alone: it acts as you, works while you may edit this project, and expires <t:${expires}:R>. Do not share it.`,
      ),
    )
    .addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setStyle(ButtonStyle.Link)
          .setURL(link.url)
          .setLabel(page === 'crops' ? 'Open the crop editor' : 'Open the tag editor'),
      ),
    );
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
