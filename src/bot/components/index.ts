import type { AnyComponentHandler, AnyModalHandler } from '../handler-types.ts';
import { cardButtons } from './card.ts';
import { notesModalSubmit } from './notes-modal.ts';

/** Component families, tried in order by the router; each claims only the custom_ids its codec decodes. */
export const componentHandlers: readonly AnyComponentHandler[] = [cardButtons];
export const modalHandlers: readonly AnyModalHandler[] = [notesModalSubmit];
