import { LabelBuilder, ModalBuilder, TextInputBuilder, TextInputStyle } from 'discord.js';
import {
  RESEARCH_NOTE_FIELDS,
  RESEARCH_NOTE_MAX_LENGTH,
  type ResearchNotes,
} from '../core/project/research-notes.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { notesModalId } from './card-ids.ts';
import { readTextField } from '../core/text-limits.ts';

/** The guide's step 1 as a form: five questions, prefilled with what the group wrote so far. */
export function notesModal(project: ProjectRow): ModalBuilder {
  const modal = new ModalBuilder()
    .setCustomId(notesModalId.encode({ projectId: project.id }))
    .setTitle(`Research notes: ${project.characterName}`.slice(0, 45));
  for (const field of RESEARCH_NOTE_FIELDS) {
    const input = new TextInputBuilder()
      .setCustomId(field.key)
      .setStyle(TextInputStyle.Paragraph)
      .setRequired(false)
      .setMaxLength(RESEARCH_NOTE_MAX_LENGTH);
    const current = project.notes[field.key];
    if (current) input.setValue(current);
    modal.addLabelComponents(
      new LabelBuilder().setLabel(field.label).setDescription(field.hint).setTextInputComponent(input),
    );
  }
  return modal;
}

export function readNotesModal(fields: { getTextInputValue(customId: string): string }): ResearchNotes {
  return Object.fromEntries(
    RESEARCH_NOTE_FIELDS.map((field) => [
      field.key,
      readTextField(fields, field.key, {
        label: `The note “${field.label}”`,
        max: RESEARCH_NOTE_MAX_LENGTH,
      }).trim(),
    ]),
  ) as ResearchNotes;
}
