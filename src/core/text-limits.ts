import { UserError } from './errors.ts';

/** A text field as the bot defines it: what it is called to the user and the most characters it takes. */
export interface TextLimit {
  label: string;
  max: number;
}

/**
 * The client enforces a modal's or option's max_length, but a modified client or a raw API call does not:
 * every length is checked again here before anything is stored.
 */
export function withinLimit(value: string, limit: TextLimit): string {
  if (value.length > limit.max) {
    throw new UserError(
      'invalid-option',
      `${limit.label} has ${value.length} characters; the limit is ${limit.max}. Nothing was saved.`,
    );
  }
  return value;
}

/** Reads a modal's text input and checks its length against the limit the bot set on it. */
export function readTextField(
  fields: { getTextInputValue(customId: string): string },
  customId: string,
  limit: TextLimit,
): string {
  return withinLimit(fields.getTextInputValue(customId), limit);
}
