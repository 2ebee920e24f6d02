import { UserError } from '../core/errors.ts';
import type { PostFacts } from '../core/query/post.ts';
import { planQuery, SKIP_REASON_TEXT, type QueryPlan, type SkipCode } from '../core/query/plan.ts';
import type { ProjectQuery } from '../core/query/schema.ts';
import { groupMayContribute, selectTopN, type GroupResults, type Selection } from '../core/query/select.ts';
import { suggestTags, tagIsKnown } from '../core/query/suggest.ts';
import { E621_MAX_PAGE, E621_PAGE_LIMIT, type E621Client } from './client.ts';

/**
 * Searches e621 for a query: one search per required group, numbered pages with `order:score`, only as
 * many pages as can still change the top N, then the union ranked and filtered.
 */

export interface UnknownTag {
  tag: string;
  suggestions: string[];
}

export interface GroupStats {
  group: number;
  tags: string[];
  search: string;
  /** Posts e621 returned for this group (after its `score:>=` and `-tag` exclusions). */
  matched: number;
  /** False when more pages exist: `matched` is then a lower bound. */
  complete: boolean;
  pages: number;
  /** Set when the group found nothing: its tags e621 does not know, with close tags. */
  unknownTags: UnknownTag[];
}

export interface Collected {
  plan: QueryPlan;
  selection: Selection;
  groups: GroupStats[];
  /** Every distinct post seen, by id. */
  posts: Map<number, PostFacts>;
  warnings: string[];
}

export interface CollectOptions {
  signal?: AbortSignal | undefined;
  /** Called after each page, for progress messages. */
  onPage?: ((progress: { group: number; page: number; posts: number }) => void) | undefined;
}

/** Runs the searches and selects the top N. Throws a UserError when nothing at all can be taken. */
export async function collectCandidates(
  client: E621Client,
  query: ProjectQuery,
  options: CollectOptions = {},
): Promise<Collected> {
  const plan = planQuery(query);
  const context = { loggedIn: client.loggedIn };
  const results: Array<GroupResults & { posts: PostFacts[]; ids: Set<number>; pages: number }> =
    plan.searches.map(() => ({ posts: [], ids: new Set<number>(), exhausted: false, pages: 0 }));
  let selection = selectTopN(plan, results, context);
  const warnings: string[] = [];

  for (;;) {
    const candidates = results
      .map((result, group) => ({ result, group }))
      .filter(({ result }) => groupMayContribute(result, selection, query.topN));
    if (candidates.length === 0) break;
    // The group whose last score is highest is the one most likely to change the ranking.
    candidates.sort(
      (a, b) => (b.result.posts.at(-1)?.score ?? Infinity) - (a.result.posts.at(-1)?.score ?? Infinity),
    );
    const { result, group } = candidates[0] as (typeof candidates)[number];
    const search = plan.searches[group];
    if (search === undefined) break;
    const page = result.pages + 1;
    const posts = await client.searchPosts(search.search, page, options.signal);
    result.pages = page;
    for (const post of posts) {
      // Scores change while we page; a post that moved across a page boundary must not count twice.
      if (result.ids.has(post.id)) continue;
      result.ids.add(post.id);
      result.posts.push(post);
    }
    if (posts.length < E621_PAGE_LIMIT) result.exhausted = true;
    else if (page >= E621_MAX_PAGE) {
      result.exhausted = true;
      warnings.push(
        `Group ${group + 1} ("${search.tags.join(', ')}") has more than ${E621_MAX_PAGE} pages; e621 serves no ` +
          'more with score order. Raise min score or narrow the tags.',
      );
    }
    options.onPage?.({ group, page, posts: posts.length });
    selection = selectTopN(plan, results, context);
  }

  const groups: GroupStats[] = [];
  for (const [group, search] of plan.searches.entries()) {
    const result = results[group] as (typeof results)[number];
    const unknownTags =
      result.posts.length === 0 ? await unknownTagsOf(client, search.tags, options.signal) : [];
    groups.push({
      group,
      tags: search.tags,
      search: search.search,
      matched: result.posts.length,
      complete: result.exhausted,
      pages: result.pages,
      unknownTags,
    });
  }
  for (const stats of groups) {
    if (stats.matched === 0 && groups.some((other) => other.matched > 0))
      warnings.push(describeEmptyGroup(stats));
  }

  const posts = new Map<number, PostFacts>();
  for (const result of results) for (const post of result.posts) posts.set(post.id, post);

  if (groups.every((stats) => stats.matched === 0)) {
    throw new UserError(
      'invalid-query',
      `No post matches the query. ${groups.map(describeEmptyGroup).join(' ')}`.trim(),
    );
  }
  if (selection.taken.length === 0) {
    const counts = countReasons(selection.skipped.map((skip) => skip.code));
    const allLoginBlocked = (counts['login-required'] ?? 0) === selection.skipped.length;
    if (allLoginBlocked) {
      throw new UserError(
        'login-required',
        `All ${selection.skipped.length} posts that pass the filters are login-blocked on e621 (their file URL is ` +
          'hidden from anonymous users). Configure E621_API_KEY to fetch them.',
      );
    }
    throw new UserError(
      'invalid-query',
      `No post passes the filters: ${describeReasons(counts)}. Lower min score or min area, or loosen the blacklist.`,
    );
  }
  return { plan, selection, groups, posts, warnings };
}

async function unknownTagsOf(
  client: E621Client,
  tags: string[],
  signal?: AbortSignal,
): Promise<UnknownTag[]> {
  const unknown: UnknownTag[] = [];
  for (const tag of tags) {
    if (tag.length < 3) continue;
    const candidates = await client.autocomplete(tag, signal);
    if (tagIsKnown(tag, candidates)) continue;
    unknown.push({ tag, suggestions: suggestTags(tag, candidates) });
  }
  return unknown;
}

function describeEmptyGroup(stats: GroupStats): string {
  const head = `Group ${stats.group + 1} ("${stats.tags.join(', ')}") found nothing`;
  if (stats.unknownTags.length === 0)
    return `${head}: its tags exist but no post has all of them with these filters.`;
  const parts = stats.unknownTags.map(({ tag, suggestions }) =>
    suggestions.length > 0
      ? `"${tag}" is not an e621 tag (did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?)`
      : `"${tag}" is not an e621 tag`,
  );
  return `${head}: ${parts.join('; ')}.`;
}

export function countReasons(codes: readonly SkipCode[]): Partial<Record<SkipCode, number>> {
  const counts: Partial<Record<SkipCode, number>> = {};
  for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

export function describeReasons(counts: Partial<Record<SkipCode, number>>): string {
  const parts = Object.entries(counts)
    .filter(([, count]) => (count ?? 0) > 0)
    .sort(([, a], [, b]) => (b ?? 0) - (a ?? 0))
    .map(([code, count]) => `${count} ${SKIP_REASON_TEXT[code as SkipCode]}`);
  return parts.length > 0 ? parts.join(', ') : 'none';
}
