import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  MessageFlags,
  TextDisplayBuilder,
} from 'discord.js';
import sharp from 'sharp';
import type { CropBox } from '../core/pruning/crops.ts';
import { cropId } from '../views/prune-ids.ts';

/** Largest side of the preview; enough to judge a head crop, small enough to upload instantly. */
const PREVIEW_SIDE = 640;

/** Renders the crop with sharp and offers Save or Edit again; nothing is saved before Save. */
export async function cropPreviewMessage(
  crop: { id: number; kind: string },
  input: string | Buffer,
  box: CropBox,
) {
  const preview = await sharp(input)
    .rotate()
    .extract(box)
    .resize(PREVIEW_SIDE, PREVIEW_SIDE, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 85 })
    .toBuffer();
  const name = `crop-${crop.id}.jpg`;
  const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(cropId.encode({ cropId: crop.id, action: 'save' }))
      .setLabel('Save crop')
      .setStyle(ButtonStyle.Success),
    new ButtonBuilder()
      .setCustomId(cropId.encode({ cropId: crop.id, action: 'edit' }))
      .setLabel('Edit box')
      .setStyle(ButtonStyle.Secondary),
    new ButtonBuilder()
      .setCustomId(cropId.encode({ cropId: crop.id, action: 'square' }))
      .setLabel('Suggest: top-centred square')
      .setStyle(ButtonStyle.Secondary),
  );
  // Trimming borders keeps nearly the whole picture: a composition suggestion, never a headshot one.
  if (crop.kind !== 'headshot') {
    buttons.addComponents(
      new ButtonBuilder()
        .setCustomId(cropId.encode({ cropId: crop.id, action: 'trim' }))
        .setLabel('Suggest: trim borders')
        .setStyle(ButtonStyle.Secondary),
    );
  }
  const container = new ContainerBuilder()
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `Preview of the ${crop.kind} crop: ${box.left},${box.top} ${box.width}×${box.height}. Save it, or edit the box again.`,
      ),
    )
    .addMediaGalleryComponents(
      new MediaGalleryBuilder().addItems(new MediaGalleryItemBuilder().setURL(`attachment://${name}`)),
    )
    .addActionRowComponents(buttons);
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [container],
    files: [new AttachmentBuilder(preview, { name })],
  };
}

/** Suggestion: the box left after trimming uniform borders (sharp's trim), or the whole image. */
export async function trimmedBox(
  input: string | Buffer,
  image: { width: number; height: number },
): Promise<CropBox> {
  const { info } = await sharp(input).rotate().trim({ threshold: 12 }).toBuffer({ resolveWithObject: true });
  const left = Math.max(0, -(info.trimOffsetLeft ?? 0));
  const top = Math.max(0, -(info.trimOffsetTop ?? 0));
  return {
    left,
    top,
    width: Math.min(info.width, image.width - left),
    height: Math.min(info.height, image.height - top),
  };
}

export function savedCropMessage(kind: string, box: CropBox) {
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [
      new ContainerBuilder().addTextDisplayComponents(
        new TextDisplayBuilder().setContent(
          `Saved the ${kind} crop: ${box.left},${box.top} ${box.width}×${box.height}. It joins the dataset at Finalize.`,
        ),
      ),
    ],
    files: [],
  };
}
