import { z } from 'zod';
import { UserError } from '../errors.ts';
import { RATINGS, type Rating } from './post.ts';
import { parseTagGroups, tagProblem } from './tags.ts';

/**
 * A project's e621 query: what to search, what to drop, how many to take. Stored as jsonb on the project,
 * carried in job data, edited from Discord and from `kiln fetch` flags.
 */

/** File types that may enter a training set; gif, webm and swf never do (animations and video). */
export const FILE_TYPES = ['png', 'jpg', 'webp'] as const;
export type FileType = (typeof FILE_TYPES)[number];
export const NEVER_FILE_TYPES = ['gif', 'webm', 'swf'] as const;

/** Only score order for now: the guide sorts by score and picks min score from the last pages. */
export const QUERY_SORTS = ['score'] as const;
export type QuerySort = (typeof QUERY_SORTS)[number];

export const MAX_TOP_N = 5000;
/** 768 × 768: the guide's min_area when training at 768. */
export const DEFAULT_MIN_AREA = 589_824;
/** The guide keeps 2048 px on the short side so later crops keep their detail. */
export const DEFAULT_MAX_SHORT_SIDE = 2048;

/**
 * The guide's `-animated -monochrome` plus a pika-like list of posts that rarely make good training images
 * (comics, reference sheets, memes, tiny files). `young` also keeps login-blocked posts out.
 */
export const DEFAULT_BLACKLIST: readonly string[] = [
  'animated',
  'monochrome',
  'comic',
  'young',
  'model_sheet',
  'low_res',
  'image_macro',
  'reaction_image',
  'humor',
  'e621',
  'grandfathered_content',
  'what_has_science_done',
  'nightmare_fuel',
  'where_is_your_god_now',
  'blursed_image',
  'what',
  'why',
];

const tagSchema = z
  .string()
  .min(1)
  .refine((tag) => tag === tag.trim().toLowerCase() && !/\s/.test(tag) && tagProblem(tag) === null, {
    error: (issue) => `"${String(issue.input)}" is not a normalized e621 tag`,
  });
const groupSchema = z.array(tagSchema).min(1, 'a tag group may not be empty');

export const querySchema = z.object({
  /** Alternatives (OR) of tag groups whose tags must all be present (AND). Empty until the user sets it. */
  required: z.array(groupSchema),
  /** A post is dropped when it has every tag of any one of these groups. */
  blacklist: z.array(groupSchema),
  minScore: z.number().int().min(0),
  /** width × height in pixels. */
  minArea: z.number().int().min(0),
  sort: z.enum(QUERY_SORTS),
  topN: z.number().int().min(1).max(MAX_TOP_N),
  ratings: z.array(z.enum(RATINGS)).min(1),
  fileTypes: z.array(z.enum(FILE_TYPES)).min(1),
  /** Downscale so the short side is at most this (never upscale). */
  maxShortSide: z.number().int().min(256).max(16_384),
});

export type ProjectQuery = z.output<typeof querySchema>;

/** Defaults from the guide: score order, 768² min area, top 300, every rating, still-image formats. */
export const DEFAULT_QUERY: ProjectQuery = Object.freeze({
  required: [],
  blacklist: DEFAULT_BLACKLIST.map((tag) => [tag]),
  minScore: 30,
  minArea: DEFAULT_MIN_AREA,
  sort: 'score',
  topN: 300,
  ratings: ['s', 'q', 'e'],
  fileTypes: ['png', 'jpg', 'webp'],
  maxShortSide: DEFAULT_MAX_SHORT_SIDE,
}) as ProjectQuery;

/**
 * A first query for a new project: the guide starts from `<main tag> order:score -animated -monochrome`,
 * prefers `solo`, and falls back to `~solo ~solo_focus` for characters with few solo pictures.
 */
export function queryForMainTag(mainTag: string): ProjectQuery {
  return {
    ...structuredClone(DEFAULT_QUERY),
    required: [
      [mainTag, 'solo'],
      [mainTag, 'solo_focus'],
    ],
  };
}

/** Loose input as it comes from a Discord modal or CLI flags; strings are parsed, numbers checked. */
export interface QueryInput {
  required?: string | string[][] | undefined;
  blacklist?: string | string[][] | undefined;
  minScore?: number | string | undefined;
  minArea?: number | string | undefined;
  sort?: string | undefined;
  topN?: number | string | undefined;
  ratings?: string | readonly string[] | undefined;
  fileTypes?: string | readonly string[] | undefined;
  maxShortSide?: number | string | undefined;
}

function integerOption(name: string, value: number | string, min: number, max: number, why = ''): number {
  const number = typeof value === 'number' ? value : Number(value.trim());
  if (typeof value === 'string' && !/^-?\d+$/.test(value.trim())) {
    throw new UserError('invalid-query', `${name} must be a whole number, got "${value}".`);
  }
  if (!Number.isInteger(number)) {
    throw new UserError('invalid-query', `${name} must be a whole number, got ${String(value)}.`);
  }
  if (number < min || number > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `between ${min} and ${max}`;
    throw new UserError('invalid-query', `${name} must be ${range}${why}, got ${number}.`);
  }
  return number;
}

function listOption<T extends string>(
  name: string,
  value: string | readonly string[],
  allowed: readonly T[],
  aliases: Record<string, T>,
  never: Record<string, string> = {},
): T[] {
  const items = (typeof value === 'string' ? value.split(/[\s,|]+/) : [...value])
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
  if (items.length === 0)
    throw new UserError('invalid-query', `${name} needs at least one of ${allowed.join(', ')}.`);
  const result = new Set<T>();
  for (const item of items) {
    const why = never[item];
    if (why !== undefined)
      throw new UserError('invalid-query', `${name}: "${item}" is not allowed (${why}).`);
    const known = (allowed as readonly string[]).includes(item) ? (item as T) : aliases[item];
    if (known === undefined) {
      throw new UserError('invalid-query', `${name}: "${item}" is not one of ${allowed.join(', ')}.`);
    }
    result.add(known);
  }
  return allowed.filter((item) => result.has(item));
}

const RATING_ALIASES: Record<string, Rating> = { safe: 's', questionable: 'q', explicit: 'e' };
const FILE_TYPE_ALIASES: Record<string, FileType> = {
  jpeg: 'jpg',
  '.png': 'png',
  '.jpg': 'jpg',
  '.webp': 'webp',
};
const NEVER_REASONS: Record<string, string> = Object.fromEntries(
  NEVER_FILE_TYPES.map((type) => [type, 'animations and video never enter a training set']),
);

/**
 * Applies user input on top of a query (the project's current one, or the defaults) and checks every
 * rule, naming the offending value. Throws `UserError('invalid-query')`.
 */
export function parseQuery(input: QueryInput, base: ProjectQuery = DEFAULT_QUERY): ProjectQuery {
  const groups = (value: string | string[][], what: string): string[][] =>
    typeof value === 'string'
      ? parseTagGroups(value, what)
      : parseTagGroups(value.map((g) => g.join(',')).join('|'), what);
  const query: ProjectQuery = {
    required: input.required === undefined ? base.required : groups(input.required, 'Required tags'),
    blacklist: input.blacklist === undefined ? base.blacklist : groups(input.blacklist, 'Blacklist'),
    minScore:
      input.minScore === undefined
        ? base.minScore
        : integerOption('Min score', input.minScore, 0, Number.MAX_SAFE_INTEGER),
    minArea:
      input.minArea === undefined
        ? base.minArea
        : integerOption('Min area', input.minArea, 0, Number.MAX_SAFE_INTEGER, ' pixels (width × height)'),
    sort: base.sort,
    topN: input.topN === undefined ? base.topN : integerOption('Top N', input.topN, 1, MAX_TOP_N),
    ratings:
      input.ratings === undefined
        ? base.ratings
        : listOption('Ratings', input.ratings, RATINGS, RATING_ALIASES),
    fileTypes:
      input.fileTypes === undefined
        ? base.fileTypes
        : listOption('File types', input.fileTypes, FILE_TYPES, FILE_TYPE_ALIASES, NEVER_REASONS),
    maxShortSide:
      input.maxShortSide === undefined
        ? base.maxShortSide
        : integerOption('Max short side', input.maxShortSide, 256, 16_384),
  };
  if (input.sort !== undefined) {
    const sort = input.sort
      .trim()
      .toLowerCase()
      .replace(/^order:/, '')
      .replace(/_desc$/, '');
    if (!(QUERY_SORTS as readonly string[]).includes(sort)) {
      throw new UserError(
        'invalid-query',
        `Sort: "${input.sort}" is not supported; Kiln sorts by score, highest first.`,
      );
    }
  }
  return querySchema.parse(query);
}
