import { defineCustomId, oneOf, positiveInt } from './custom-id.ts';

export const CARD_ACTIONS = ['notes', 'info'] as const;
export type CardAction = (typeof CARD_ACTIONS)[number];

/** Buttons on a project's card in its thread. */
export const cardButtonId = defineCustomId<{ action: CardAction; projectId: number }>('card', 1, {
  toParts: ({ action, projectId }) => [action, projectId],
  fromParts: ([action, id]) => {
    const parsedAction = oneOf(action, CARD_ACTIONS);
    const projectId = positiveInt(id);
    return parsedAction && projectId ? { action: parsedAction, projectId } : null;
  },
});

/** The research-notes modal of one project. */
export const notesModalId = defineCustomId<{ projectId: number }>('notes', 1, {
  toParts: ({ projectId }) => [projectId],
  fromParts: ([id]) => {
    const projectId = positiveInt(id);
    return projectId ? { projectId } : null;
  },
});
