// Long file: one fetch run's records (the run, its posts, candidates, skips and left-out ranks) written as one resumable job.
import { and, eq, inArray, isNotNull, notInArray, sql } from 'drizzle-orm';
import { UserError } from '../../core/errors.ts';
import type { PostFacts } from '../../core/query/post.ts';
import type { ProjectQuery } from '../../core/query/schema.ts';
import type { DedupeItem, DuplicateDecision } from '../../core/dedupe/index.ts';
import type { Db } from '../client.ts';
import { fetchRuns, type FetchRunRow } from '../schema/fetch-runs.ts';
import { posts } from '../schema/posts.ts';
import { projectCandidates, type ProjectCandidateRow } from '../schema/project-candidates.ts';

/**
 * The fetch job's reads and writes: runs (one at a time per project), posts and candidates.
 */

/** A running row whose heartbeat is older than this belonged to a worker that died. */
export const STALE_RUN_MS = 10 * 60 * 1000;

/** The fetch running for a project right now, if any (the bot uses it to refuse a second `/lora fetch`). */
export async function findRunningFetch(db: Db, projectId: number): Promise<FetchRunRow | null> {
  const [row] = await db
    .select()
    .from(fetchRuns)
    .where(and(eq(fetchRuns.projectId, projectId), eq(fetchRuns.state, 'running')))
    .limit(1);
  return row ?? null;
}

/** Whether a running row's worker still beats: the one test of "one fetch per project at a time". */
export function isLiveRun(run: FetchRunRow, now: Date = new Date()): boolean {
  return run.state === 'running' && now.getTime() - run.heartbeatAt.getTime() < STALE_RUN_MS;
}

/** The fetch that really runs for a project now: null when none does or its worker stopped beating. */
export async function findLiveFetch(
  db: Db,
  projectId: number,
  now: Date = new Date(),
): Promise<FetchRunRow | null> {
  const running = await findRunningFetch(db, projectId);
  return running !== null && isLiveRun(running, now) ? running : null;
}

function alreadyRunning(run: FetchRunRow): UserError {
  const who = run.requestedBy ? ` by <@${run.requestedBy}>` : '';
  return new UserError(
    'already-running',
    `A fetch is already running for this project (run #${run.id}, started ${run.startedAt.toISOString()}${who}). ` +
      'Wait for it to finish; its progress message shows where it is.',
  );
}

export interface StartRunInput {
  projectId: number;
  jobId: string | null;
  requestedBy: string | null;
  query: ProjectQuery;
  now?: Date;
}

/**
 * Starts a run, or resumes the one this job already owns (a retried job continues). Refuses while
 * another job's run is alive; takes over a run whose worker stopped beating.
 */
export async function startOrResumeRun(
  db: Db,
  input: StartRunInput,
): Promise<{ run: FetchRunRow; resumed: boolean }> {
  const now = input.now ?? new Date();
  try {
    return await db.transaction(async (tx) => {
      const [running] = await tx
        .select()
        .from(fetchRuns)
        .where(and(eq(fetchRuns.projectId, input.projectId), eq(fetchRuns.state, 'running')))
        .for('update');
      if (running !== undefined) {
        if (input.jobId !== null && running.jobId === input.jobId) {
          const [run] = await tx
            .update(fetchRuns)
            .set({ heartbeatAt: now })
            .where(eq(fetchRuns.id, running.id))
            .returning();
          return { run: run ?? running, resumed: true };
        }
        if (isLiveRun(running, now)) throw alreadyRunning(running);
        await tx
          .update(fetchRuns)
          .set({ state: 'failed', error: 'abandoned: its worker stopped', finishedAt: now })
          .where(eq(fetchRuns.id, running.id));
      }
      if (input.jobId !== null) {
        // A job that failed and is being retried picks its own run up again.
        const [previous] = await tx
          .select()
          .from(fetchRuns)
          .where(and(eq(fetchRuns.projectId, input.projectId), eq(fetchRuns.jobId, input.jobId)))
          .limit(1);
        if (previous !== undefined) {
          const [run] = await tx
            .update(fetchRuns)
            .set({ state: 'running', error: null, finishedAt: null, heartbeatAt: now })
            .where(eq(fetchRuns.id, previous.id))
            .returning();
          if (run !== undefined) return { run, resumed: true };
        }
      }
      const [run] = await tx
        .insert(fetchRuns)
        .values({
          projectId: input.projectId,
          jobId: input.jobId,
          requestedBy: input.requestedBy,
          query: input.query,
          startedAt: now,
          heartbeatAt: now,
        })
        .returning();
      if (run === undefined) throw new Error('inserting a fetch run returned nothing');
      return { run, resumed: false };
    });
  } catch (error) {
    // Two starts raced past the check; the partial unique index let only one through.
    if (
      (error as { code?: unknown }).code === '23505' ||
      (error as { cause?: { code?: unknown } }).cause?.code === '23505'
    ) {
      const running = await findRunningFetch(db, input.projectId);
      if (running !== null) throw alreadyRunning(running);
    }
    throw error;
  }
}

export async function heartbeatRun(db: Db, runId: number, progress: Record<string, unknown>): Promise<void> {
  await db.update(fetchRuns).set({ heartbeatAt: new Date(), progress }).where(eq(fetchRuns.id, runId));
}

export async function finishRun(
  db: Db,
  runId: number,
  outcome:
    | { state: 'succeeded'; summary: Record<string, unknown> }
    | { state: 'failed'; error: string; progress?: Record<string, unknown> },
): Promise<void> {
  const now = new Date();
  await db
    .update(fetchRuns)
    .set(
      outcome.state === 'succeeded'
        ? {
            state: 'succeeded',
            summary: outcome.summary,
            progress: outcome.summary,
            finishedAt: now,
            heartbeatAt: now,
          }
        : {
            state: 'failed',
            error: outcome.error,
            finishedAt: now,
            heartbeatAt: now,
            ...(outcome.progress ? { progress: outcome.progress } : {}),
          },
    )
    .where(eq(fetchRuns.id, runId));
}

const CHUNK = 500;

/** Inserts or refreshes posts (scores, tags and URLs change on e621). */
export async function upsertPosts(db: Db, list: readonly PostFacts[]): Promise<void> {
  for (let start = 0; start < list.length; start += CHUNK) {
    const rows = list.slice(start, start + CHUNK).map((post) => ({
      id: post.id,
      md5: post.md5,
      fileExt: post.ext,
      width: post.width,
      height: post.height,
      fileSize: post.size,
      score: post.score,
      favCount: post.favCount,
      rating: post.rating,
      tags: post.tags,
      sources: post.sources,
      fileUrl: post.fileUrl,
      previewUrl: post.previewUrl,
      sampleUrl: post.sampleUrl,
      deleted: post.deleted,
      postedAt: post.createdAt ? new Date(post.createdAt) : null,
      fetchedAt: new Date(),
    }));
    await db
      .insert(posts)
      .values(rows)
      .onConflictDoUpdate({
        target: posts.id,
        set: {
          md5: sql`excluded.md5`,
          fileExt: sql`excluded.file_ext`,
          width: sql`excluded.width`,
          height: sql`excluded.height`,
          fileSize: sql`excluded.file_size`,
          score: sql`excluded.score`,
          favCount: sql`excluded.fav_count`,
          rating: sql`excluded.rating`,
          tags: sql`excluded.tags`,
          sources: sql`excluded.sources`,
          // A logged-out request sees null URLs for login-blocked posts; keep a URL we already know.
          fileUrl: sql`coalesce(excluded.file_url, ${posts.fileUrl})`,
          previewUrl: sql`coalesce(excluded.preview_url, ${posts.previewUrl})`,
          sampleUrl: sql`coalesce(excluded.sample_url, ${posts.sampleUrl})`,
          deleted: sql`excluded.deleted`,
          postedAt: sql`excluded.posted_at`,
          fetchedAt: sql`excluded.fetched_at`,
        },
      });
  }
}

/**
 * Records the selection: new posts become `pending`, earlier failures get another try, stored ones keep
 * their state. Candidates the query no longer selects lose their rank (their votes stay).
 */
export async function upsertSelection(
  db: Db,
  projectId: number,
  runId: number,
  ranked: readonly { postId: number; rank: number }[],
): Promise<ProjectCandidateRow[]> {
  for (let start = 0; start < ranked.length; start += CHUNK) {
    await db
      .insert(projectCandidates)
      .values(
        ranked
          .slice(start, start + CHUNK)
          .map(({ postId, rank }) => ({ projectId, postId, rank, fetchRunId: runId })),
      )
      .onConflictDoUpdate({
        target: [projectCandidates.projectId, projectCandidates.postId],
        set: {
          rank: sql`excluded.rank`,
          fetchRunId: sql`excluded.fetch_run_id`,
          status: sql`case when ${projectCandidates.status} = 'skipped' then 'pending' else ${projectCandidates.status} end`,
        },
      });
  }
  const ids = ranked.map((entry) => entry.postId);
  await db
    .update(projectCandidates)
    .set({ rank: null })
    .where(
      and(
        eq(projectCandidates.projectId, projectId),
        ids.length > 0 ? notInArray(projectCandidates.postId, ids) : sql`true`,
      ),
    );
  if (ids.length === 0) return [];
  const rows: ProjectCandidateRow[] = [];
  for (let start = 0; start < ids.length; start += CHUNK) {
    rows.push(
      ...(await db
        .select()
        .from(projectCandidates)
        .where(
          and(
            eq(projectCandidates.projectId, projectId),
            inArray(projectCandidates.postId, ids.slice(start, start + CHUNK)),
          ),
        )),
    );
  }
  return rows;
}

export async function recordStored(
  db: Db,
  projectId: number,
  postId: number,
  image: { path: string; md5: string; width: number; height: number; dhash: string },
): Promise<void> {
  await db
    .update(projectCandidates)
    .set({
      status: sql`case when ${projectCandidates.status} in ('pending', 'skipped') then 'candidate' else ${projectCandidates.status} end`,
      imagePath: image.path,
      imageMd5: image.md5,
      width: image.width,
      height: image.height,
      dhash: image.dhash,
      skipCode: null,
      skipReason: null,
    })
    .where(and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.postId, postId)));
}

export async function recordSkipped(
  db: Db,
  projectId: number,
  postId: number,
  code: string,
  reason: string,
): Promise<void> {
  await db
    .update(projectCandidates)
    .set({ status: 'skipped', skipCode: code, skipReason: reason })
    .where(and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.postId, postId)));
}

/** Stored candidates of a project with what dedupe needs. */
export async function loadDedupeItems(db: Db, projectId: number): Promise<DedupeItem[]> {
  const rows = await db
    .select({
      postId: projectCandidates.postId,
      md5: posts.md5,
      imageMd5: projectCandidates.imageMd5,
      dhash: projectCandidates.dhash,
      score: posts.score,
      width: posts.width,
      height: posts.height,
    })
    .from(projectCandidates)
    .innerJoin(posts, eq(posts.id, projectCandidates.postId))
    .where(
      and(
        eq(projectCandidates.projectId, projectId),
        inArray(projectCandidates.status, ['candidate', 'duplicate']),
        isNotNull(projectCandidates.imagePath),
      ),
    );
  return rows;
}

/** Applies dedupe decisions: duplicates point at the kept copy, everything else stored is a candidate. */
export async function applyDuplicates(
  db: Db,
  projectId: number,
  decisions: readonly DuplicateDecision[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(projectCandidates)
      .set({ status: 'candidate', duplicateOf: null, duplicateKind: null, duplicateDistance: null })
      .where(and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.status, 'duplicate')));
    for (const decision of decisions) {
      await tx
        .update(projectCandidates)
        .set({
          status: 'duplicate',
          duplicateOf: decision.duplicateOf,
          duplicateKind: decision.kind,
          duplicateDistance: decision.distance,
        })
        .where(
          and(eq(projectCandidates.projectId, projectId), eq(projectCandidates.postId, decision.postId)),
        );
    }
  });
}

export interface LeftOutRank {
  rank: number;
  postId: number;
  status: 'duplicate' | 'skipped';
  duplicateOfRank: number | null;
  duplicateKind: 'exact' | 'near' | null;
  skipReason: string | null;
}

/** Ranks of the latest fetch that are not up for the vote (duplicates, images that could not be stored). */
export async function ranksLeftOut(db: Db, projectId: number): Promise<LeftOutRank[]> {
  const rows = await db
    .select({
      rank: projectCandidates.rank,
      postId: projectCandidates.postId,
      status: projectCandidates.status,
      duplicateOf: projectCandidates.duplicateOf,
      duplicateKind: projectCandidates.duplicateKind,
      skipReason: projectCandidates.skipReason,
    })
    .from(projectCandidates)
    .where(
      and(
        eq(projectCandidates.projectId, projectId),
        inArray(projectCandidates.status, ['duplicate', 'skipped']),
        isNotNull(projectCandidates.rank),
      ),
    );
  const rankOfPost = new Map(
    (
      await db
        .select({ postId: projectCandidates.postId, rank: projectCandidates.rank })
        .from(projectCandidates)
        .where(eq(projectCandidates.projectId, projectId))
    ).map((row) => [row.postId, row.rank]),
  );
  return rows
    .map((row) => ({
      rank: row.rank ?? 0,
      postId: row.postId,
      status: row.status === 'duplicate' ? ('duplicate' as const) : ('skipped' as const),
      duplicateOfRank: row.duplicateOf === null ? null : (rankOfPost.get(row.duplicateOf) ?? null),
      duplicateKind: row.duplicateKind ?? null,
      skipReason: row.skipReason,
    }))
    .sort((a, b) => a.rank - b.rank);
}
