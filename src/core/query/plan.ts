import { UserError } from '../errors.ts';
import { allTags, RATINGS, type PostFacts } from './post.ts';
import { FILE_TYPES, NEVER_FILE_TYPES, type ProjectQuery } from './schema.ts';
import { formatTagGroups } from './tags.ts';

/**
 * Turns a query into e621 search strings (one per required group) and the filter we apply to every post
 * that comes back. e621 caps a search at 40 tags, so whatever part of the blacklist does not fit is
 * filtered on our side; the local filter always checks every rule, so correctness never depends on what fit.
 */

/** e621's `tag_query_limit`: tags and most metatags count; `rating:` does not. */
export const E621_TAG_LIMIT = 40;

export interface GroupSearch {
  /** 0-based index of the required group. */
  group: number;
  tags: string[];
  /** The `tags` parameter for `/posts.json`. */
  search: string;
  /** Blacklist tags sent to e621 as `-tag`. */
  excluded: string[];
  /** Blacklist groups that apply to this group (those that are not a subset of it, as in pika). */
  blacklist: string[][];
  /** How many of e621's 40 tags this search uses. */
  tagCount: number;
}

export interface QueryPlan {
  query: ProjectQuery;
  searches: GroupSearch[];
}

/** Search tokens that do not count toward e621's 40-tag limit. */
function countsTowardLimit(token: string): boolean {
  return !/^-?rating:/.test(token) && !/^limit:/.test(token) && token !== '-status:deleted';
}

/**
 * Plans one e621 search per required group: `order:score` (numbered pages keep it; the b<id> cursor
 * drops it), `score:>=N`, ratings, then as many `-tag` blacklist exclusions and file-type exclusions as
 * fit under 40 tags. Throws when a group itself is too long or the query has no required tags.
 */
export function planQuery(query: ProjectQuery): QueryPlan {
  if (query.required.length === 0) {
    throw new UserError(
      'invalid-query',
      'The query has no required tags yet. Set at least one group, e.g. "krystal, solo | krystal, solo_focus".',
    );
  }
  const searches = query.required.map((tags, group): GroupSearch => {
    const tokens = [...tags, `order:${query.sort}`];
    const used = tokens.filter(countsTowardLimit).length;
    if (used > E621_TAG_LIMIT) {
      throw new UserError(
        'invalid-query',
        `Required group ${group + 1} ("${tags.join(', ')}") has ${tags.length} tags; e621 searches at most ` +
          `${E621_TAG_LIMIT} tags including order:${query.sort}, so a group may have at most ${E621_TAG_LIMIT - 1}.`,
      );
    }
    const optional: string[] = [];
    if (query.minScore > 0) optional.push(`score:>=${query.minScore}`);
    const ratings = RATINGS.filter((rating) => query.ratings.includes(rating));
    if (ratings.length === 1) tokens.push(`rating:${ratings[0]}`);
    else if (ratings.length === 2) tokens.push(`-rating:${RATINGS.find((r) => !ratings.includes(r))}`);

    const groupTags = new Set(tags);
    const blacklist = query.blacklist.filter((bad) => !bad.every((tag) => groupTags.has(tag)));
    const excluded = blacklist
      .filter((bad) => bad.length === 1)
      .map((bad) => bad[0] as string)
      .filter((tag) => !groupTags.has(tag));
    optional.push(...excluded.map((tag) => `-${tag}`));
    if (query.fileTypes.length === 1) optional.push(`type:${query.fileTypes[0]}`);
    else {
      const notWanted = [
        ...NEVER_FILE_TYPES,
        ...FILE_TYPES.filter((type) => !query.fileTypes.includes(type)),
      ];
      optional.push(...notWanted.map((type) => `-type:${type}`));
    }

    let count = tokens.filter(countsTowardLimit).length;
    const sentExclusions: string[] = [];
    for (const token of optional) {
      if (count >= E621_TAG_LIMIT) break;
      tokens.push(token);
      count += countsTowardLimit(token) ? 1 : 0;
      if (token.startsWith('-') && !token.startsWith('-type:') && !token.startsWith('-rating:')) {
        sentExclusions.push(token.slice(1));
      }
    }
    return { group, tags, search: tokens.join(' '), excluded: sentExclusions, blacklist, tagCount: count };
  });
  return { query, searches };
}

export const SKIP_CODES = [
  'login-required',
  'file-unavailable',
  'blacklisted',
  'too-small',
  'file-type',
  'rating',
  'low-score',
  'download-failed',
  'md5-mismatch',
  'truncated',
  'corrupt',
  'too-large',
] as const;
export type SkipCode = (typeof SKIP_CODES)[number];

/** Short words for each reason, as summaries show them. */
export const SKIP_REASON_TEXT: Record<SkipCode, string> = {
  'login-required': 'login required',
  'file-unavailable': 'file unavailable (deleted or hidden)',
  blacklisted: 'blacklisted',
  'too-small': 'below min area',
  'file-type': 'file type not allowed',
  rating: 'rating not wanted',
  'low-score': 'score below min score',
  'download-failed': 'download failed',
  'md5-mismatch': 'md5 mismatch',
  truncated: 'truncated download',
  corrupt: 'corrupt image',
  'too-large': 'too many pixels (decompression bomb)',
};

export type PostVerdict = { ok: true } | { ok: false; code: SkipCode; reason: string };

export interface FilterContext {
  /** With an e621 API key, login-blocked posts come with their file URL. */
  loggedIn: boolean;
}

/**
 * Checks one post against every rule of the query for the group that found it. Order matters only for
 * the reason shown: the most specific, user-actionable reason first.
 */
export function filterPost(
  post: PostFacts,
  search: GroupSearch,
  query: ProjectQuery,
  context: FilterContext,
): PostVerdict {
  if (
    !(FILE_TYPES as readonly string[]).includes(post.ext) ||
    !(query.fileTypes as string[]).includes(post.ext)
  ) {
    return { ok: false, code: 'file-type', reason: `file type ${post.ext}` };
  }
  if (!query.ratings.includes(post.rating))
    return { ok: false, code: 'rating', reason: `rating ${post.rating}` };
  if (post.score < query.minScore) {
    return { ok: false, code: 'low-score', reason: `score ${post.score} < ${query.minScore}` };
  }
  const area = post.width * post.height;
  if (area < query.minArea) {
    return {
      ok: false,
      code: 'too-small',
      reason: `${post.width}×${post.height} = ${area} px < ${query.minArea}`,
    };
  }
  // Required tags are e621's to enforce: it resolves aliases, so a post may carry the canonical name
  // rather than the typed one. The blacklist is ours, because not all of it fits in the search.
  const tags = allTags(post);
  for (const bad of search.blacklist) {
    if (bad.every((tag) => tags.has(tag))) {
      return { ok: false, code: 'blacklisted', reason: `blacklisted (${bad.join(', ')})` };
    }
  }
  if (post.fileUrl === null) {
    return context.loggedIn
      ? { ok: false, code: 'file-unavailable', reason: 'file unavailable (deleted or hidden)' }
      : { ok: false, code: 'login-required', reason: 'login required' };
  }
  return { ok: true };
}

/** The query in one line, for summaries and logs. */
export function describeQuery(query: ProjectQuery): string {
  const parts = [
    formatTagGroups(query.required) || '(no tags)',
    query.blacklist.length > 0 ? `blacklist: ${formatTagGroups(query.blacklist)}` : 'no blacklist',
    `min score ${query.minScore}`,
    `min area ${query.minArea}`,
    `top ${query.topN}`,
    `ratings ${query.ratings.join('')}`,
    `types ${query.fileTypes.join('/')}`,
  ];
  return parts.join('; ');
}
