import type { Rating } from '../core/query/post.ts';
import type { SkipCode } from '../core/query/plan.ts';
import type { ProjectQuery } from '../core/query/schema.ts';
import type { RankedPost } from '../core/query/select.ts';
import type { E621Client } from './client.ts';
import { collectCandidates, countReasons, type CollectOptions, type GroupStats } from './collect.ts';

/**
 * What a fetch would take, before anything is downloaded: per-group match counts, how many pass the
 * filters, the score at rank N (the guide picks min score by looking at the last pages) and the first
 * and last posts that would be taken.
 */

export interface PreviewPost {
  id: number;
  rank: number;
  score: number;
  rating: Rating;
  width: number;
  height: number;
  ext: string;
  /** e621's page for the post. */
  postUrl: string;
  /** Small thumbnail (about 150–256 px); null when e621 hides it. */
  previewUrl: string | null;
  /** 850 px sample; null when the original is smaller or e621 hides it. */
  sampleUrl: string | null;
}

export interface QueryPreview {
  groups: GroupStats[];
  /** Distinct posts seen across groups. */
  seen: number;
  /** Distinct posts seen that pass every filter (a lower bound unless every group is complete). */
  afterFilters: number;
  /** True when every group was read to its end, so the counts are exact. */
  complete: boolean;
  topN: number;
  /** How many posts a fetch would take now (≤ topN). */
  taken: number;
  /** Score of the post at rank N, or of the last one taken when fewer pass. */
  scoreAtRankN: number | null;
  /** Posts ranked among the top N that the filters drop, by reason. */
  skipped: Partial<Record<SkipCode, number>>;
  first: PreviewPost[];
  last: PreviewPost[];
  warnings: string[];
}

export interface PreviewOptions extends CollectOptions {
  /** How many of the first and of the last posts to show (default 4 each). */
  show?: number;
}

/** Previews a query against e621 (paced like any other request). */
export async function preview(
  client: E621Client,
  query: ProjectQuery,
  options: PreviewOptions = {},
): Promise<QueryPreview> {
  const collected = await collectCandidates(client, query, options);
  const { selection } = collected;
  const show = options.show ?? 4;
  const toPreview = (ranked: RankedPost): PreviewPost => ({
    id: ranked.post.id,
    rank: ranked.rank,
    score: ranked.post.score,
    rating: ranked.post.rating,
    width: ranked.post.width,
    height: ranked.post.height,
    ext: ranked.post.ext,
    postUrl: client.postUrl(ranked.post.id),
    previewUrl: ranked.post.previewUrl,
    sampleUrl: ranked.post.sampleUrl,
  });
  const taken = selection.taken;
  const first = taken.slice(0, show);
  const last = taken.length > show ? taken.slice(Math.max(show, taken.length - show)) : [];
  return {
    groups: collected.groups,
    seen: selection.seen,
    afterFilters: selection.passing,
    complete: collected.groups.every((group) => group.complete),
    topN: query.topN,
    taken: taken.length,
    scoreAtRankN: taken.at(-1)?.post.score ?? null,
    skipped: countReasons(selection.skipped.map((skip) => skip.code)),
    first: first.map(toPreview),
    last: last.map(toPreview),
    warnings: collected.warnings,
  };
}
