import { compareByScore, type PostFacts } from './post.ts';
import { filterPost, type FilterContext, type QueryPlan, type SkipCode } from './plan.ts';

/**
 * Merges what each group's search returned into one ranking (the union of the groups, like e621's
 * `~solo ~solo_focus`), applies the local filter and keeps the top N.
 */

export interface GroupResults {
  /** Posts in the order e621 returned them (score, highest first). */
  posts: readonly PostFacts[];
  /** True when e621 has no more pages for this group. */
  exhausted: boolean;
}

export interface RankedPost {
  post: PostFacts;
  /** 1-based rank among the posts taken. */
  rank: number;
  /** 0-based indexes of the groups that found it. */
  groups: number[];
}

export interface SkippedPost {
  post: PostFacts;
  code: SkipCode;
  reason: string;
}

export interface Selection {
  taken: RankedPost[];
  /** Posts that ranked among those taken but failed a filter, in rank order. */
  skipped: SkippedPost[];
  /** Every distinct post seen that passes the filters (taken or not). */
  passing: number;
  /** Distinct posts seen, whatever the filters say. */
  seen: number;
}

/** Ranks the union of the groups' results and takes the top N posts that pass the filters. */
export function selectTopN(
  plan: QueryPlan,
  results: readonly GroupResults[],
  context: FilterContext,
): Selection {
  const byId = new Map<number, { post: PostFacts; groups: number[] }>();
  results.forEach((result, group) => {
    for (const post of result.posts) {
      const entry = byId.get(post.id);
      if (entry === undefined) byId.set(post.id, { post, groups: [group] });
      else if (!entry.groups.includes(group)) entry.groups.push(group);
    }
  });
  const ordered = [...byId.values()].sort((a, b) => compareByScore(a.post, b.post));
  const taken: RankedPost[] = [];
  const skipped: SkippedPost[] = [];
  let passing = 0;
  for (const { post, groups } of ordered) {
    // A post found by several groups passes when it passes for any of them (their blacklists differ).
    let failure: SkippedPost | null = null;
    let ok = false;
    for (const group of groups) {
      const search = plan.searches[group];
      if (search === undefined) continue;
      const verdict = filterPost(post, search, plan.query, context);
      if (verdict.ok) {
        ok = true;
        break;
      }
      failure ??= { post, code: verdict.code, reason: verdict.reason };
    }
    if (ok) {
      passing += 1;
      if (taken.length < plan.query.topN) taken.push({ post, rank: taken.length + 1, groups });
    } else if (failure !== null && taken.length < plan.query.topN) {
      skipped.push(failure);
    }
  }
  return { taken, skipped, passing, seen: ordered.length };
}

/**
 * Whether a group's next page could still change the top N: it can while the group is not exhausted
 * and its lowest score so far is not below the score at rank N (pages come sorted by score).
 */
export function groupMayContribute(result: GroupResults, selection: Selection, topN: number): boolean {
  if (result.exhausted) return false;
  if (selection.taken.length < topN) return true;
  const last = result.posts.at(-1);
  const threshold = selection.taken[topN - 1]?.post.score;
  if (last === undefined || threshold === undefined) return true;
  return last.score >= threshold;
}
