import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  TextDisplayBuilder,
} from 'discord.js';
import type { VoteChoice } from '../core/pruning/votes.ts';
import type { ImageState } from '../db/repositories/pruning.ts';
import { reviewId } from './prune-ids.ts';
import { PRUNING_CHECKLIST } from './prune-board.ts';
import { CHOICE_LABELS, imageLine, mediaFor } from './prune-gallery.ts';

/** The personal pager: the guide's checklist, one large image, the four choices plus back and skip. */
export function reviewPagerMessage(image: ImageState, yourVote: VoteChoice | null, remaining: number) {
  const votes = new ActionRowBuilder<ButtonBuilder>();
  const styles: Record<VoteChoice, ButtonStyle> = {
    keep: ButtonStyle.Success,
    prune: ButtonStyle.Danger,
    headshot: ButtonStyle.Primary,
    edit: ButtonStyle.Secondary,
  };
  for (const choice of ['keep', 'prune', 'headshot', 'edit'] as const) {
    votes.addComponents(
      new ButtonBuilder()
        .setCustomId(reviewId.encode({ candidateId: image.candidateId, action: choice }))
        .setLabel(CHOICE_LABELS[choice])
        .setStyle(styles[choice]),
    );
  }
  const moves = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(reviewId.encode({ candidateId: image.candidateId, action: 'back' }))
      .setLabel('Back')
      .setStyle(ButtonStyle.Secondary),
    new ButtonBuilder()
      .setCustomId(reviewId.encode({ candidateId: image.candidateId, action: 'skip' }))
      .setLabel('Skip')
      .setStyle(ButtonStyle.Secondary),
  );
  const status = yourVote ? `You voted **${CHOICE_LABELS[yourVote]}**.` : 'You have not voted on this one.';
  const container = new ContainerBuilder()
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(PRUNING_CHECKLIST))
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `${imageLine(image)}\n${status} ${remaining} left for you after this one.`,
      ),
    )
    .addMediaGalleryComponents(mediaFor(image, `e621 post ${image.postId}`))
    .addActionRowComponents(votes, moves);
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}

export function reviewDoneMessage(characterName: string) {
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [
      new ContainerBuilder().addTextDisplayComponents(
        new TextDisplayBuilder().setContent(
          `You have voted on every image of **${characterName}**. Thanks! The board shows how the others are doing.`,
        ),
      ),
    ],
  };
}
