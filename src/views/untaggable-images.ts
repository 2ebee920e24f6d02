import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import { dropImageId } from './tagging-ids.ts';
import { clip, FAILED_RED } from './tagging-view.ts';
import type { TaggingView } from './tagging-view.ts';

export interface UntaggableImage {
  candidateId: number;
  postId: number;
  /** What went wrong, without any path (it is shown in the thread). */
  reason: string;
}

/** Buttons a message can carry: five rows of five. */
const MAX_BUTTONS = 25;

/**
 * The images auto-tagging had to leave out, each with a way forward: replace it with a clean upload, or drop it
 * from the finalized dataset. Until one of the two happens, training would trip over the same file.
 */
export function untaggableImagesView(characterName: string, images: readonly UntaggableImage[]): TaggingView {
  const lines = [
    `## ⚠️ ${images.length} image${images.length === 1 ? '' : 's'} of ${characterName} could not be tagged`,
    'The other images were tagged as usual. Each of these needs a clean upload (`/lora replace post:<id>`) or to be dropped from the dataset before training:',
    ...images.map((image) => `- post ${image.postId}: ${image.reason}`),
  ];
  if (images.length > MAX_BUTTONS) {
    lines.push(`Buttons below drop the first ${MAX_BUTTONS}; run auto-tagging again for the rest.`);
  }
  const container = new ContainerBuilder()
    .setAccentColor(FAILED_RED)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(clip(lines.join('\n'), 3500)));
  const buttons = images.slice(0, MAX_BUTTONS).map((image) =>
    new ButtonBuilder()
      .setCustomId(dropImageId.encode({ candidateId: image.candidateId }))
      .setLabel(`Drop post ${image.postId}`)
      .setStyle(ButtonStyle.Danger),
  );
  for (let start = 0; start < buttons.length; start += 5) {
    container.addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(buttons.slice(start, start + 5)),
    );
  }
  return { container };
}
