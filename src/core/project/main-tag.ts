import { UserError } from '../errors.ts';
import { unsafeMainTagMessage, unsafeMainTagPart } from './main-tag-safety.ts';

export const MAIN_TAG_MAX_LENGTH = 64;
export const CHARACTER_NAME_MAX_LENGTH = 100;

/**
 * Characters e621 tags are made of: letters (any script, lower case), digits and a few marks; never commas or
 * spaces. Slashes are refused by the folder rule (main-tag-safety.ts) before this is checked.
 */
const TAG_CHARACTERS = /^[\p{Ll}\p{Lo}\p{Lm}\p{M}\p{N}_()'!?.\-:;&+~]+$/u;

export interface NormalizedTag {
  tag: string;
  /** What normalisation changed, said back to the user so nothing happens silently. */
  changes: string[];
}

/**
 * The main tag is what the LoRA answers to; it must be one e621-style tag so captions can put it first and
 * keep_tokens=1 keeps it there while the rest shuffle.
 */
export function normalizeMainTag(input: string): NormalizedTag {
  const changes: string[] = [];
  let tag = input;
  if (tag !== tag.trim()) {
    tag = tag.trim();
    changes.push('removed spaces at the ends');
  }
  if (tag.includes(',')) {
    throw new UserError(
      'invalid-main-tag',
      `The main tag \`${tag}\` contains a comma. A main tag is a single tag; captions use commas to separate tags.`,
    );
  }
  if (tag.length === 0) throw new UserError('invalid-main-tag', 'The main tag is empty.');
  if (tag !== tag.toLowerCase()) {
    tag = tag.toLowerCase();
    changes.push('made it lower case');
  }
  if (/\s/.test(tag)) {
    tag = tag.replace(/\s+/g, '_');
    changes.push('replaced spaces with underscores');
  }
  if (tag.length > MAIN_TAG_MAX_LENGTH) {
    throw new UserError(
      'invalid-main-tag',
      `The main tag \`${tag.slice(0, 80)}…\` has ${tag.length} characters; the limit is ${MAIN_TAG_MAX_LENGTH}.`,
    );
  }
  const unsafe = unsafeMainTagPart(tag);
  if (unsafe !== null) throw new UserError('invalid-main-tag', unsafeMainTagMessage(tag, unsafe));
  if (!TAG_CHARACTERS.test(tag)) {
    const bad = [...new Set([...tag].filter((c) => !TAG_CHARACTERS.test(c)))].join(' ');
    throw new UserError(
      'invalid-main-tag',
      `The main tag \`${tag}\` contains characters e621 tags never use: ${bad}. Use letters, digits and _ ( ) - ' .`,
    );
  }
  if (/^[-~]/.test(tag) || tag.includes('*') || /^(order|score|rating|type|id|user):/.test(tag)) {
    throw new UserError(
      'invalid-main-tag',
      `The main tag \`${tag}\` looks like a search operator; start it with a letter or digit.`,
    );
  }
  if (!/^[\p{L}\p{N}]/u.test(tag)) {
    throw new UserError('invalid-main-tag', `The main tag \`${tag}\` must start with a letter or digit.`);
  }
  return { tag, changes };
}

export function validateCharacterName(input: string): string {
  const name = input.trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw new UserError('invalid-character-name', 'The character name is empty.');
  if (name.length > CHARACTER_NAME_MAX_LENGTH) {
    throw new UserError(
      'invalid-character-name',
      `The character name has ${name.length} characters; the limit is ${CHARACTER_NAME_MAX_LENGTH}.`,
    );
  }
  return name;
}
