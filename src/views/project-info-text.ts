import { formatNotes } from '../core/project/research-notes.ts';
import type { ProjectRow } from '../db/schema/index.ts';

/** The info.txt of a project as it stands now. */
export function projectInfoText(project: ProjectRow): string {
  const notes = formatNotes(project.notes);
  return [
    `${project.characterName}`,
    `Main tag: ${project.mainTag}`,
    '',
    notes || '(no research notes yet)',
  ].join('\n');
}
