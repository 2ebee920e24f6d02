import {
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  SectionBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import type { CropRow } from '../db/schema/index.ts';
import { cropId } from './prune-ids.ts';

/** A section (text + button) costs three components: twelve crops stay within the 40 of a message. */
const CROPS_SHOWN = 12;

export function cropListMessage(
  rows: ReadonlyArray<{ crop: CropRow; rank: number | null }>,
  options: { frozen?: boolean } = {},
) {
  const pending = rows.filter(({ crop }) => !crop.confirmed);
  const done = rows.length - pending.length;
  if (options.frozen) {
    // After Finalize no box can be saved: say what made it in, offer nothing that would only be refused.
    const saved = rows.filter(({ crop }) => crop.confirmed && crop.box !== null);
    const headshots = saved.filter(({ crop }) => crop.kind === 'headshot').length;
    return {
      flags: MessageFlags.IsComponentsV2 as const,
      components: [
        new ContainerBuilder().addTextDisplayComponents(
          new TextDisplayBuilder().setContent(
            `### Crops · dataset finalized\n${saved.length} crops are in the dataset (${headshots} headshots). ` +
              'Crops can no longer be added or changed.',
          ),
        ),
      ],
    };
  }
  const container = new ContainerBuilder().addTextDisplayComponents(
    new TextDisplayBuilder().setContent(
      rows.length === 0
        ? 'No crops yet. A **Headshot** vote opens a head crop; **More → Add crop** splits an image.'
        : `### Crops · ${pending.length} waiting for a box · ${done} saved${pending.length > CROPS_SHOWN ? ` (first ${CROPS_SHOWN} shown)` : ''}`,
    ),
  );
  for (const { crop, rank } of pending.slice(0, CROPS_SHOWN)) {
    const box = crop.box
      ? `${crop.box.left},${crop.box.top} ${crop.box.width}×${crop.box.height} (not saved)`
      : 'no box yet';
    container.addSectionComponents(
      new SectionBuilder()
        .addTextDisplayComponents(
          new TextDisplayBuilder().setContent(`${crop.kind} crop of image #${rank ?? '?'} · ${box}`),
        )
        .setButtonAccessory(
          new ButtonBuilder()
            .setCustomId(cropId.encode({ cropId: crop.id, action: 'edit' }))
            .setLabel('Set box')
            .setStyle(ButtonStyle.Primary),
        ),
    );
  }
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
