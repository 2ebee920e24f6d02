import { UserError } from '../errors.ts';

/** Characters no file system should see in a folder name: separators, Windows-reserved punctuation, controls. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[/\\:*?"<>|\u0000-\u001f\u007f]/g;
/** Invisible characters that make two names look alike (zero-width, bidi overrides, BOM). */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;
/** Windows refuses these as a name, with or without an extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Leaves room for the `10_` prefix and any file inside under the usual 255-byte name limit. */
const MAX_BYTES = 120;

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * A main tag made safe to be one path segment (`10_<this>`), on Linux, macOS and Windows alike. It can never be
 * `.`/`..`, contain a separator or NUL, or be a Windows device name; whitespace becomes `_` so shells stay easy.
 * The folder name is cosmetic (the guide: it only helps find the folder), so a lossy mapping is fine; the caption
 * files, not the folder, carry the tag.
 */
export function safeFolderName(mainTag: string): string {
  let name = mainTag.normalize('NFC').replace(INVISIBLE, '').replace(UNSAFE, '_').replace(/\s+/g, '_');
  // Leading dots hide a folder (and `..` escapes one); trailing dots and spaces are stripped by Windows.
  name = name
    .replace(/_+/g, '_')
    .replace(/^[._]+/, '')
    .replace(/[._]+$/, '');
  while (utf8Length(name) > MAX_BYTES) name = Array.from(name).slice(0, -1).join('');
  name = name.replace(/[._]+$/, '');
  if (name === '' || !/[\p{L}\p{N}]/u.test(name)) {
    throw new UserError(
      'invalid-main-tag',
      `The main tag ${JSON.stringify(mainTag)} has no letters or digits left once made safe for a folder name; pick a tag with letters or digits.`,
    );
  }
  if (WINDOWS_RESERVED.test(name)) name = `${name}_`;
  return name;
}

/** The guide's kohya folder name: `<repeats>_<main tag>`, e.g. `10_retsuko`. */
export function datasetFolderName(repeats: number, mainTag: string): string {
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new UserError('invalid-plan', `Repeats must be a whole number of at least 1, got ${repeats}.`);
  }
  return `${repeats}_${safeFolderName(mainTag)}`;
}
