import { join } from 'node:path';
import { findDuplicates, type DuplicateDecision } from '../../core/dedupe/index.ts';
import { UserError } from '../../core/errors.ts';
import type { SkipCode } from '../../core/query/plan.ts';
import { querySchema } from '../../core/query/schema.ts';
import type { Db } from '../../db/client.ts';
import { getProject } from '../../db/repositories/projects.ts';
import type { Logger } from '../../log.ts';
import { acquireImages, type AcquireTask } from '../../e621/acquire.ts';
import type { E621Client } from '../../e621/client.ts';
import { collectCandidates } from '../../e621/collect.ts';
import pLimit from 'p-limit';
import { materialize, publish } from '../../storage/cache.ts';
import { cachedImagePath } from '../../storage/images.ts';
import type { ObjectStore } from '../../storage/object-store.ts';
import { processStore } from '../../storage/process-store.ts';
import type { JobHandler } from '../runtime.ts';
import {
  applyDuplicates,
  finishRun,
  heartbeatRun,
  loadDedupeItems,
  recordSkipped,
  recordStored,
  startOrResumeRun,
  upsertPosts,
  upsertSelection,
} from '../../db/repositories/fetch-runs.ts';

/**
 * The fetch job: search e621 with the project's query, store posts, download and resize the top N into
 * the md5-keyed image cache, and mark duplicates. Idempotent and resumable: a retry (or a second run)
 * finds stored images and takes nothing twice; only one fetch runs per project at a time.
 */

export type FetchPhase = 'searching' | 'downloading' | 'deduplicating' | 'done' | 'failed';

export interface FetchProgress {
  runId: number;
  projectId: number;
  phase: FetchPhase;
  /** Posts the query selected (the top N that pass the filters). */
  found: number;
  /** Images downloaded from e621 by this run. */
  downloaded: number;
  /** Images this run resized and stored (downloaded ones that passed the image checks). */
  resized: number;
  /** Images already stored by an earlier run or another project (not downloaded again). */
  cached: number;
  /** Posts left out: filtered among the top ranks, or whose image could not be stored. */
  skipped: number;
  skipReasons: Partial<Record<SkipCode, number>>;
  /** Of `skipped`: left out by the filters among the top ranks, never downloaded (not part of `found`). */
  skippedBeforeDownload: Partial<Record<SkipCode, number>>;
  /** Of `skipped`: taken (part of `found`) but the image could not be stored. */
  notStored: Partial<Record<SkipCode, number>>;
  /** Stored candidates marked as duplicates of another. */
  duplicates: number;
  error?: string;
}

export interface DuplicatePair {
  postId: number;
  duplicateOf: number;
  kind: 'exact' | 'near';
  distance: number;
}

export interface FetchSummary extends FetchProgress {
  phase: 'done';
  /** Stored candidates that are not duplicates: what goes to the vote. */
  kept: number;
  groups: { group: number; tags: string[]; matched: number; complete: boolean }[];
  /** Score of the last post taken (the guide tunes min score with it). */
  scoreAtRankN: number | null;
  duplicatePairs: DuplicatePair[];
  /** Every post left out, with its reason. */
  skippedPosts: { postId: number; code: SkipCode; reason: string }[];
  warnings: string[];
}

export interface FetchJobDeps {
  db: Db;
  e621: E621Client;
  /** DATA_DIR: images are cached under `<dataDir>/images/…` by md5 (a cache of the store). */
  dataDir: string;
  /** Where stored images are kept for every process (default: the process's store). */
  store?: ObjectStore | null;
  log: Logger;
  /** Called at every step; the caller throttles it into one Discord status message. */
  report: (progress: FetchProgress) => void | Promise<void>;
  options?: {
    downloadConcurrency?: number;
    processConcurrency?: number;
    maxInputPixels?: number;
    nearDuplicateDistance?: number;
    /** How often the run's heartbeat and progress are written to Postgres (default 5 s). */
    heartbeatMs?: number;
  };
}

/** A snapshot of the progress, its count maps copied (the job goes on changing them). */
function copyOf(progress: FetchProgress): FetchProgress {
  return {
    ...progress,
    skipReasons: { ...progress.skipReasons },
    skippedBeforeDownload: { ...progress.skippedBeforeDownload },
    notStored: { ...progress.notStored },
  };
}

export function createFetchHandler(deps: FetchJobDeps): JobHandler<'fetch'> {
  return async (data, context) => {
    const { db, e621 } = deps;
    const log = context.log;
    const project = await getProject(db, data.projectId);
    if (project === null)
      throw new UserError('project-not-found', `Project #${data.projectId} no longer exists.`);
    const parsedQuery = querySchema.safeParse(project.query);
    if (!parsedQuery.success) {
      throw new UserError(
        'invalid-query',
        `The project's query is not valid: ${parsedQuery.error.issues[0]?.message}`,
      );
    }
    const query = parsedQuery.data;
    const { run, resumed } = await startOrResumeRun(db, {
      projectId: project.id,
      jobId: context.job.id ?? null,
      requestedBy: data.requestedBy,
      query,
    });
    log.info({ runId: run.id, resumed }, resumed ? 'fetch run resumed' : 'fetch run started');

    const progress: FetchProgress = {
      runId: run.id,
      projectId: project.id,
      phase: 'searching',
      found: 0,
      downloaded: 0,
      resized: 0,
      cached: 0,
      skipped: 0,
      skipReasons: {},
      skippedBeforeDownload: {},
      notStored: {},
      duplicates: 0,
    };
    const skippedPosts: FetchSummary['skippedPosts'] = [];
    const skip = (
      stage: 'skippedBeforeDownload' | 'notStored',
      postId: number,
      code: SkipCode,
      reason: string,
    ): void => {
      progress.skipped += 1;
      progress.skipReasons[code] = (progress.skipReasons[code] ?? 0) + 1;
      progress[stage][code] = (progress[stage][code] ?? 0) + 1;
      skippedPosts.push({ postId, code, reason });
    };
    const report = async (): Promise<void> => {
      try {
        await deps.report(copyOf(progress));
      } catch (error) {
        log.warn({ err: error }, 'fetch progress report failed');
      }
    };
    let lastBeat = Date.now();
    const heartbeatMs = deps.options?.heartbeatMs ?? 5000;
    const beat = async (force = false): Promise<void> => {
      if (!force && Date.now() - lastBeat < heartbeatMs) return;
      lastBeat = Date.now();
      await heartbeatRun(db, run.id, { ...progress });
    };

    try {
      await report();
      const collected = await collectCandidates(e621, query, {
        signal: context.signal,
        onPage: () => {
          beat().catch((error: unknown) => log.warn({ err: error }, 'fetch heartbeat failed'));
        },
      });
      const { selection } = collected;
      progress.found = selection.taken.length;
      for (const skipped of selection.skipped)
        skip('skippedBeforeDownload', skipped.post.id, skipped.code, skipped.reason);
      await upsertPosts(db, [
        ...selection.taken.map((ranked) => ranked.post),
        ...selection.skipped.map((s) => s.post),
      ]);
      const rows = await upsertSelection(
        db,
        project.id,
        run.id,
        selection.taken.map((ranked) => ({ postId: ranked.post.id, rank: ranked.rank })),
      );
      const rowByPost = new Map(rows.map((row) => [row.postId, row]));

      progress.phase = 'downloading';
      await beat(true);
      await report();
      const relativePaths = new Map<number, string>();
      const tasks: AcquireTask[] = selection.taken.map(({ post }) => {
        const relative = cachedImagePath(post.md5, post.ext, query.maxShortSide);
        relativePaths.set(post.id, relative);
        const row = rowByPost.get(post.id);
        const known =
          row && row.imagePath === relative && row.imageMd5 && row.dhash && row.width && row.height
            ? { md5: row.imageMd5, dhash: row.dhash, width: row.width, height: row.height }
            : null;
        return { post, destination: join(deps.dataDir, relative), known };
      });
      // A cache wiped since the last fetch is refilled from the store: e621 may have deleted the post since.
      const store = deps.store === undefined ? processStore() : deps.store;
      const transfers = pLimit(8);
      await Promise.all(
        [...relativePaths.values()].map((relative) =>
          transfers(() => materialize(store, deps.dataDir, relative)),
        ),
      );
      await acquireImages(tasks, {
        client: e621,
        maxShortSide: query.maxShortSide,
        maxInputPixels: deps.options?.maxInputPixels,
        downloadConcurrency: deps.options?.downloadConcurrency,
        processConcurrency: deps.options?.processConcurrency,
        signal: context.signal,
        onEvent: async (event) => {
          if (event.kind === 'downloaded') {
            progress.downloaded += 1;
          } else {
            const { result } = event;
            if (result.status === 'stored') {
              if (result.source === 'cached') progress.cached += 1;
              else progress.resized += 1;
              const relative = relativePaths.get(result.post.id);
              if (relative) await transfers(() => publish(store, deps.dataDir, relative));
              await recordStored(db, project.id, result.post.id, {
                ...result.image,
                path: relativePaths.get(result.post.id) ?? result.image.path,
              });
            } else {
              skip('notStored', result.post.id, result.code, result.reason);
              await recordSkipped(db, project.id, result.post.id, result.code, result.reason);
            }
          }
          await beat();
          await report();
        },
      });

      progress.phase = 'deduplicating';
      await report();
      const items = await loadDedupeItems(db, project.id);
      const decisions: DuplicateDecision[] = findDuplicates(items, {
        ...(deps.options?.nearDuplicateDistance !== undefined
          ? { nearDistance: deps.options.nearDuplicateDistance }
          : {}),
      });
      await applyDuplicates(db, project.id, decisions);
      progress.duplicates = decisions.length;

      const summary: FetchSummary = {
        ...copyOf(progress),
        phase: 'done',
        kept: items.length - decisions.length,
        groups: collected.groups.map(({ group, tags, matched, complete }) => ({
          group,
          tags,
          matched,
          complete,
        })),
        scoreAtRankN: selection.taken.at(-1)?.post.score ?? null,
        duplicatePairs: decisions.map(({ postId, duplicateOf, kind, distance }) => ({
          postId,
          duplicateOf,
          kind,
          distance,
        })),
        skippedPosts,
        warnings: collected.warnings,
      };
      await finishRun(db, run.id, { state: 'succeeded', summary: { ...summary } });
      Object.assign(progress, { phase: 'done' });
      try {
        await deps.report(summary);
      } catch (error) {
        log.warn({ err: error }, 'fetch summary report failed');
      }
      log.info(
        {
          runId: run.id,
          found: summary.found,
          kept: summary.kept,
          skipped: summary.skipped,
          duplicates: summary.duplicates,
        },
        'fetch run finished',
      );
      return summary;
    } catch (error) {
      // A shutdown leaves the run running: the retried job resumes it (or the heartbeat lets a new one take over).
      if (!context.signal.aborted) {
        const message = error instanceof Error ? error.message : String(error);
        progress.phase = 'failed';
        progress.error = message;
        await finishRun(db, run.id, { state: 'failed', error: message, progress: { ...progress } }).catch(
          (finishError: unknown) => log.error({ err: finishError }, 'could not mark the fetch run failed'),
        );
        await report();
      }
      throw error;
    }
  };
}
