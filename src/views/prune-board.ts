import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  TextDisplayBuilder,
} from 'discord.js';
import { headshotLine, targetLine, type BoardCounts, type CropCounts } from '../core/pruning/progress.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { boardId } from './prune-ids.ts';

/** The guide's pruning checklist (step 3), shown where people decide. */
export const PRUNING_CHECKLIST =
  '**Keep an image when it has:** character likeness · the outfit and accessories (each on ¼–½ of the set) · the character visually isolated · a simple pose · variety (style, background, pose, expression) · a usable face for headshots · crisp quality.';

export function boardMessage(project: ProjectRow, counts: BoardCounts, crops: CropCounts) {
  const frozen = project.datasetFrozenAt !== null;
  const lines = [
    `## Pruning · ${project.characterName}`,
    frozen
      ? `**Dataset finalized** by <@${project.datasetFrozenBy ?? project.ownerId}>: ${counts.kept} kept images.`
      : `${targetLine(counts.kept)}.`,
    `Kept **${counts.kept}** · pruned **${counts.pruned}** · undecided **${counts.undecided}** · needs edit **${counts.needsEdit}** (of ${counts.total} images)`,
    headshotLine(counts.headshots, crops, frozen),
  ];
  // Once finalized no vote or crop can change anything: the rule would only invite clicks.
  if (!frozen) {
    lines.push(
      `Rule: decided when one side leads by ${project.quorum.lead}, or by majority once ${project.quorum.majorityAfter} have voted. The owner can override any image (More).`,
    );
  }
  const buttons = new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(boardId.encode({ projectId: project.id, action: 'review', page: 0 }))
      .setLabel('Review next')
      .setStyle(ButtonStyle.Primary)
      .setDisabled(frozen),
    new ButtonBuilder()
      .setCustomId(boardId.encode({ projectId: project.id, action: 'kept', page: 0 }))
      .setLabel('Show kept')
      .setStyle(ButtonStyle.Secondary),
    new ButtonBuilder()
      .setCustomId(boardId.encode({ projectId: project.id, action: 'crops', page: 0 }))
      .setLabel('Crops')
      .setStyle(ButtonStyle.Secondary),
    new ButtonBuilder()
      .setCustomId(boardId.encode({ projectId: project.id, action: 'web', page: 0 }))
      .setLabel('Crop in browser')
      .setStyle(ButtonStyle.Secondary)
      .setDisabled(frozen),
    new ButtonBuilder()
      .setCustomId(boardId.encode({ projectId: project.id, action: 'finalize', page: 0 }))
      .setLabel('Finalize')
      .setStyle(ButtonStyle.Success)
      .setDisabled(frozen),
  );
  const container = new ContainerBuilder()
    .setAccentColor(0xe8743b)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(lines.join('\n')))
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(PRUNING_CHECKLIST))
    .addActionRowComponents(buttons);
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
