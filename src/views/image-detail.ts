import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  TextDisplayBuilder,
} from 'discord.js';
import type { ImageState } from '../db/repositories/pruning.ts';
import { imageId } from './prune-ids.ts';
import { imageLine, mediaFor } from './prune-gallery.ts';

/** One image, large, with the owner's override and the crop tools. */
export function imageDetailMessage(image: ImageState, voters: string) {
  const button = (
    action: 'keep' | 'prune' | 'clear' | 'headcrop' | 'split',
    label: string,
    style: ButtonStyle,
  ) =>
    new ButtonBuilder()
      .setCustomId(imageId.encode({ candidateId: image.candidateId, action }))
      .setLabel(label)
      .setStyle(style);
  const container = new ContainerBuilder()
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(`${imageLine(image)}\n${voters}`))
    .addMediaGalleryComponents(mediaFor(image, `e621 post ${image.postId}`))
    .addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        button('keep', 'Owner: keep', ButtonStyle.Success),
        button('prune', 'Owner: prune', ButtonStyle.Danger),
        button('clear', 'Owner: let the vote decide', ButtonStyle.Secondary),
      ),
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        button('headcrop', 'Head crop', ButtonStyle.Primary),
        button('split', 'Add crop (split / composition)', ButtonStyle.Secondary),
      ),
    );
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
