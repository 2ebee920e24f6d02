import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  SeparatorBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import { hasNotes, RESEARCH_NOTE_FIELDS } from '../core/project/research-notes.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { cardButtonId } from './card-ids.ts';

const KILN_ORANGE = 0xe8743b;

const STATUS_LABELS: Record<ProjectRow['status'], string> = {
  draft: 'Research and query',
  fetching: 'Downloading images',
  pruning: 'Pruning with friends',
  tagging: 'Tagging',
  training: 'Training',
  done: 'Done',
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The project card posted at the top of its thread (Components V2). */
export function projectCardMessage(project: ProjectRow) {
  const notesSummary = hasNotes(project.notes)
    ? RESEARCH_NOTE_FIELDS.filter((field) => project.notes[field.key].trim() !== '')
        .map(
          (field) => `**${field.label}:** ${clip(project.notes[field.key].trim().replace(/\s+/g, ' '), 160)}`,
        )
        .join('\n')
    : '*No research notes yet.* The guide starts here: canonical look, outfit pieces, accessories, markings and how fan art deviates. Click **Write notes**.';

  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(
        `## ${clip(project.characterName, 100)}\nMain tag \`${project.mainTag}\` · owner <@${project.ownerId}> · ${STATUS_LABELS[project.status]}`,
      ),
    )
    .addSeparatorComponents(new SeparatorBuilder())
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(notesSummary))
    .addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(cardButtonId.encode({ action: 'notes', projectId: project.id }))
          .setLabel('Write notes')
          .setStyle(ButtonStyle.Primary),
        new ButtonBuilder()
          .setCustomId(cardButtonId.encode({ action: 'info', projectId: project.id }))
          .setLabel('Show info.txt')
          .setStyle(ButtonStyle.Secondary),
      ),
    );
  return { flags: MessageFlags.IsComponentsV2 as const, components: [container] };
}
