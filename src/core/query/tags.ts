import { UserError } from '../errors.ts';

/**
 * Tag text as people type it ("Krystal , Solo Focus") and as e621 stores it ("krystal", "solo_focus").
 */

/** e621 stores tags lower case with underscores for spaces; we compare and search in that form. */
export function normalizeTag(raw: string): string {
  return raw.trim().toLowerCase().replace(/\s+/g, '_');
}

/** Metatags people may type into a tag list; each has its own option in Kiln's query. */
const METATAG_HINTS: Record<string, string> = {
  order: 'results are always sorted by score',
  score: 'use the min score option',
  rating: 'use the ratings option',
  type: 'use the file types option',
  filetype: 'use the file types option',
  limit: 'use the top N option',
  width: 'use the min area option',
  height: 'use the min area option',
  mpixels: 'use the min area option',
  status: 'deleted posts are never fetched',
};

/** Metatag names e621 reads before a colon; a tag that starts with one of them is a search instruction. */
const OTHER_METATAGS = [
  'id',
  'user',
  'user_id',
  'fav',
  'favcount',
  'pool',
  'set',
  'md5',
  'source',
  'description',
  'date',
  'parent',
  'child',
  'tagcount',
  'ratio',
  'filesize',
  'duration',
  'approver',
  'commenter',
  'noter',
];

/**
 * Why e621 could never have this (normalized) tag, or null when it could. Follows e621ng's tag name rules:
 * no `*` `,` `#` `$` `%` `\`, no leading `-` or `~`, no control or non-ASCII characters, no doubled `_`.
 */
export function tagProblem(tag: string): string | null {
  if (tag.length === 0 || /^_+$/.test(tag)) return 'it is empty';
  if (tag.startsWith('-')) return "it starts with '-' (put tags to exclude in the blacklist)";
  if (tag.startsWith('~')) return "it starts with '~' (write alternatives as separate groups with '|')";
  if (tag.includes('*')) return "it contains '*' (wildcards are not supported; list the tags you mean)";
  for (const [char, name] of [
    [',', 'a comma'],
    ['#', "'#'"],
    ['$', "'$'"],
    ['%', "'%'"],
    ['\\', 'a back slash'],
  ] as const) {
    if (tag.includes(char)) return `it contains ${name}`;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(tag)) return 'it contains a control character';
  if (/[^\u0020-\u007e\u00e9]/.test(tag)) return 'it contains a character that is not plain ASCII';
  if (tag.includes('__')) return 'it contains two underscores in a row';
  if (tag.length > 170) return 'it is longer than any e621 tag';
  const colon = tag.indexOf(':');
  if (colon > 0) {
    const name = tag.slice(0, colon).replace(/^[-~]/, '');
    const hint = METATAG_HINTS[name];
    if (hint !== undefined) return `it is the search option "${name}:" (${hint})`;
    if (OTHER_METATAGS.includes(name)) return `it is the search option "${name}:", not a tag`;
  }
  return null;
}

/**
 * Parses pika-style tag groups: `,` joins tags that must all be present, `|` separates alternatives.
 * `what` names the field in error messages ("Required tags", "Blacklist").
 */
export function parseTagGroups(text: string, what: string): string[][] {
  if (text.trim() === '') return [];
  const rawGroups = text.split('|');
  return rawGroups.map((rawGroup, index) => {
    const tags = rawGroup
      .split(',')
      .map(normalizeTag)
      .filter((tag) => tag !== '');
    if (tags.length === 0) {
      throw new UserError(
        'invalid-query',
        `${what}: group ${index + 1} of ${rawGroups.length} is empty in "${text.trim()}". ` +
          `Remove the extra '|' or ',' or put tags in it.`,
      );
    }
    for (const tag of tags) {
      const problem = tagProblem(tag);
      if (problem !== null) {
        throw new UserError('invalid-query', `${what}: "${tag}" is not an e621 tag: ${problem}.`);
      }
    }
    return [...new Set(tags)];
  });
}

/** The text form of tag groups, as a user would type it back. */
export function formatTagGroups(groups: readonly (readonly string[])[]): string {
  return groups.map((group) => group.join(', ')).join(' | ');
}
