import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  MessageFlags,
  TextDisplayBuilder,
} from 'discord.js';
import type { ImageState } from '../db/repositories/pruning.ts';
import { boardId } from './prune-ids.ts';

/** A Media Gallery holds at most ten items: one page of kept images. */
export const KEPT_PER_PAGE = 10;

/** `page` is 0-based; the buttons encode page + 1 so that 0 means "opened from the board". */
export function keptListMessage(projectId: number, kept: readonly ImageState[], page: number) {
  const pages = Math.max(1, Math.ceil(kept.length / KEPT_PER_PAGE));
  const current = Math.min(page, pages - 1);
  const slice = kept.slice(current * KEPT_PER_PAGE, (current + 1) * KEPT_PER_PAGE);
  const container = new ContainerBuilder().addTextDisplayComponents(
    new TextDisplayBuilder().setContent(
      kept.length === 0
        ? 'Nothing is kept yet.'
        : `### Kept images (${kept.length}) · page ${current + 1} of ${pages}\n${slice
            .map(
              (image) =>
                `#${image.rank ?? '?'} post ${image.postId}${image.verdict.headshot ? ' · headshot' : ''}`,
            )
            .join(' · ')}`,
    ),
  );
  if (slice.length > 0) {
    container.addMediaGalleryComponents(
      new MediaGalleryBuilder().addItems(
        slice.map((image) =>
          new MediaGalleryItemBuilder()
            .setURL(image.imageUrl ?? `attachment://missing-${image.candidateId}.png`)
            .setDescription(`#${image.rank ?? '?'} post ${image.postId}`),
        ),
      ),
    );
  }
  if (pages > 1) {
    container.addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(boardId.encode({ projectId, action: 'kept', page: Math.max(0, current - 1) + 1 }))
          .setLabel('Previous')
          .setStyle(ButtonStyle.Secondary)
          .setDisabled(current === 0),
        new ButtonBuilder()
          .setCustomId(
            boardId.encode({ projectId, action: 'kept', page: Math.min(pages - 1, current + 1) + 1 }),
          )
          .setLabel('Next')
          .setStyle(ButtonStyle.Secondary)
          .setDisabled(current >= pages - 1),
      ),
    );
  }
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
