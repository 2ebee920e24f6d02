import { UserError } from '../errors.ts';
import { spellTag } from './spelling.ts';

export { KAOMOJI } from './spelling.ts';

/** Canonical form of a tag: trimmed, lower case, spaces as underscores (e621 and Danbooru store them so). */
export function canonicalTag(name: string): string {
  return name.trim().toLowerCase().replace(/\s+/g, '_');
}

/** How a tag is shown to people: as captions with spaces write it (see `spellTag`). */
export function captionName(tag: string, replaceUnderscores = true): string {
  return spellTag(tag, { family: 'e621', separator: replaceUnderscores ? 'spaces' : 'underscores' });
}

/** Characters e621 tags are made of (lower-case letters, digits, and a few marks; never commas or spaces). */
const TAG_CHARACTERS = /^[a-z0-9_()'!?.\-:;&+~/<>^=@|]+$/;
export const TAG_MAX_LENGTH = 64;

/**
 * A tag a user typed (an outfit name, a tag to add): e621-style so captions, votes and base models treat it
 * like any other tag. Spaces are accepted and become underscores.
 */
export function normalizeUserTag(input: string, what = 'tag'): string {
  const tag = canonicalTag(input);
  if (tag.length === 0) throw new UserError('invalid-tag', `The ${what} is empty.`);
  if (tag.includes(',')) {
    throw new UserError(
      'invalid-tag',
      `The ${what} \`${tag}\` contains a comma; captions use commas to separate tags, so give a single tag.`,
    );
  }
  if (tag.length > TAG_MAX_LENGTH) {
    throw new UserError(
      'invalid-tag',
      `The ${what} \`${tag.slice(0, 80)}\` has ${tag.length} characters; the limit is ${TAG_MAX_LENGTH}.`,
    );
  }
  if (!TAG_CHARACTERS.test(tag)) {
    const bad = [...new Set([...tag].filter((c) => !TAG_CHARACTERS.test(c)))].join(' ');
    throw new UserError(
      'invalid-tag',
      `The ${what} \`${tag}\` contains characters e621 tags never use: ${bad}. Use letters, digits and _ ( ) - ' .`,
    );
  }
  if (/^[-~]/.test(tag) || tag.includes('*') || /^(order|score|rating|type|id|user):/.test(tag)) {
    throw new UserError('invalid-tag', `The ${what} \`${tag}\` looks like a search operator, not a tag.`);
  }
  return tag;
}

/**
 * Tagger thresholds are probabilities. The guide's values: e621 tagger 0.7, WD 0.4–0.7.
 * Anything outside 0–1 (or not a number) is a typo, never a setting.
 */
export function validateThreshold(value: number, name = 'threshold'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw new UserError(
      'invalid-threshold',
      `The ${name} must be a number from 0 to 1 (the guide uses 0.4–0.7); got ${String(value)}.`,
    );
  }
  return value;
}
