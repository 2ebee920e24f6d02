import { z } from 'zod';

/**
 * Step 1 of the guide: research the character before touching data. These are the questions it asks;
 * the answers become the top of info.txt.
 */
export const RESEARCH_NOTE_FIELDS = [
  { key: 'look', label: 'Canonical look', hint: 'Species, body and fur colours, eyes, hair, build, forms.' },
  { key: 'outfits', label: 'Outfit pieces', hint: 'Each piece of the typical outfit(s).' },
  {
    key: 'accessories',
    label: 'Accessories',
    hint: 'Weapons, jewellery, instruments, typical environments.',
  },
  {
    key: 'markings',
    label: 'Markings and special anatomy',
    hint: 'Facial markings, patterns, scars, anatomy.',
  },
  {
    key: 'deviations',
    label: 'Common deviations',
    hint: 'How fan art differs from canon (nude look, colours).',
  },
] as const;

export type ResearchNoteKey = (typeof RESEARCH_NOTE_FIELDS)[number]['key'];
export const RESEARCH_NOTE_MAX_LENGTH = 1500;

export const researchNotesSchema = z.object(
  Object.fromEntries(
    RESEARCH_NOTE_FIELDS.map((field) => [field.key, z.string().max(RESEARCH_NOTE_MAX_LENGTH).default('')]),
  ) as Record<ResearchNoteKey, z.ZodDefault<z.ZodString>>,
);

export type ResearchNotes = z.output<typeof researchNotesSchema>;

export const EMPTY_NOTES: ResearchNotes = researchNotesSchema.parse({});

export function hasNotes(notes: ResearchNotes): boolean {
  return RESEARCH_NOTE_FIELDS.some((field) => notes[field.key].trim() !== '');
}

/** Notes as plain text sections, the way info.txt starts. */
export function formatNotes(notes: ResearchNotes): string {
  return RESEARCH_NOTE_FIELDS.filter((field) => notes[field.key].trim() !== '')
    .map((field) => `${field.label}:\n${notes[field.key].trim()}`)
    .join('\n\n');
}
