import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  MessageFlags,
  SeparatorBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import type { Decision, VoteChoice } from '../core/pruning/votes.ts';
import type { ImageState } from '../db/repositories/pruning.ts';
import { imageId, voteId } from './prune-ids.ts';

/**
 * Four images per message: each costs a text line, a one-item gallery and a row of five buttons
 * (8 components); with the separators and the container a message uses 36 of Discord's 40.
 */
export const IMAGES_PER_GALLERY = 4;

export const CHOICE_LABELS: Record<VoteChoice, string> = {
  keep: 'Keep',
  prune: 'Prune',
  headshot: 'Headshot',
  edit: 'Needs edit',
};

const DECISION_MARKS: Record<Decision, string> = {
  kept: '✅ kept',
  pruned: '🗑️ pruned',
  undecided: '⏳ undecided',
};

/** One line per image: rank, score, artist, size, tally and verdict. */
export function imageLine(image: ImageState): string {
  const artist = image.artists.length > 0 ? image.artists.slice(0, 2).join(', ') : 'unknown artist';
  const { keep, prune, headshot, edit } = image.tally;
  const flags = [
    image.verdict.overridden ? 'owner' : '',
    image.verdict.headshot ? 'headshot' : '',
    image.verdict.needsEdit ? 'needs edit' : '',
    image.replaced ? 'replaced' : '',
  ].filter(Boolean);
  return `**#${image.rank ?? '?'}** · score ${image.score} · ${artist} · ${image.width}×${image.height}\nkeep ${keep} · prune ${prune} · headshot ${headshot} · edit ${edit} → ${DECISION_MARKS[image.verdict.decision]}${flags.length ? ` (${flags.join(', ')})` : ''}`;
}

export function voteButtons(candidateId: number, disabled: boolean): ActionRowBuilder<ButtonBuilder> {
  const styles: Record<VoteChoice, ButtonStyle> = {
    keep: ButtonStyle.Success,
    prune: ButtonStyle.Danger,
    headshot: ButtonStyle.Primary,
    edit: ButtonStyle.Secondary,
  };
  const row = new ActionRowBuilder<ButtonBuilder>();
  for (const choice of ['keep', 'prune', 'headshot', 'edit'] as const) {
    row.addComponents(
      new ButtonBuilder()
        .setCustomId(voteId.encode({ candidateId, choice }))
        .setLabel(CHOICE_LABELS[choice])
        .setStyle(styles[choice])
        .setDisabled(disabled),
    );
  }
  row.addComponents(
    new ButtonBuilder()
      .setCustomId(imageId.encode({ candidateId, action: 'open' }))
      .setLabel('More')
      .setStyle(ButtonStyle.Secondary),
  );
  return row;
}

export function mediaFor(image: ImageState, description: string): MediaGalleryBuilder {
  const item = new MediaGalleryItemBuilder().setDescription(description.slice(0, 1024));
  item.setURL(image.imageUrl ?? `attachment://missing-${image.candidateId}.png`);
  return new MediaGalleryBuilder().addItems(item);
}

/** A gallery message: up to four images, each with its tally and the vote buttons. */
export function galleryMessage(images: readonly ImageState[], frozen: boolean) {
  const container = new ContainerBuilder();
  images.forEach((image, index) => {
    if (index > 0) container.addSeparatorComponents(new SeparatorBuilder());
    container
      .addTextDisplayComponents(new TextDisplayBuilder().setContent(imageLine(image)))
      .addMediaGalleryComponents(mediaFor(image, `e621 post ${image.postId}`))
      .addActionRowComponents(voteButtons(image.candidateId, frozen));
  });
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
