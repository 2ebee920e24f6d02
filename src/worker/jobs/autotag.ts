import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUserError, UserError } from '../../core/errors.ts';
import { cleanupFlags } from '../../core/tags/cleanup.ts';
import { coverageReport } from '../../core/tags/coverage.ts';
import { tagCounts } from '../../core/tags/dataset.ts';
import { proposeFolds } from '../../core/tags/folds.ts';
import { mergeImageTags, type TagEvidence } from '../../core/tags/merge.ts';
import type { Db } from '../../db/client.ts';
import { getProject } from '../../db/repositories/projects.ts';
import {
  getReplacementData,
  getTaggerSettings,
  loadDatasetSources,
  saveTaggedImages,
  type DatasetSource,
  type TaggedImageInput,
} from '../../db/repositories/tagging.ts';
import { insertFoldProposals, listDecisions } from '../../db/repositories/tag-decisions.ts';
import type { ProjectRow } from '../../db/schema/index.ts';
import type { Logger } from '../../log.ts';
import type { DiscordPoster } from '../../notify/discord-rest.ts';
import { createThrottledStatus, type ThrottledStatus } from '../../notify/throttled-status.ts';
import { jobStatusMessage } from '../../notify/job-status-message.ts';
import { renderContactSheet, type SheetTile } from '../../storage/contact-sheet.ts';
import { imageInput } from '../../storage/image-source.ts';
import { processTaggerPool, type TaggerPool } from '../../tagger/pool.ts';
import type { TaggedImage, Tagger } from '../../tagger/tagger.ts';
import type { TaggerKind } from '../../tagger/tags-file.ts';
import { imageLabel } from '../../views/doubtful-pager.ts';
import {
  autotagStatusView,
  cleanupFlagsView,
  coverageView,
  outfitSuggestionsView,
  type AutotagStatus,
} from '../../views/tagging-reports.ts';
import { asRest } from '../../views/tagging-view.ts';
import { untaggableImagesView, type UntaggableImage } from '../../views/untaggable-images.ts';
import { postFoldCards } from '../../tagging/cards.ts';
import { doubtfulList } from '../../tagging/doubtful.ts';
import { EVIDENCE_FLOOR, knownTags, postEvidence } from '../../tagging/evidence.ts';
import { taggerInputPath } from '../../tagging/pixels.ts';
import { hidePaths } from '../../training/public-text.ts';
import { loadProjectTagging, outfitSuggestionsOf } from '../../tagging/project-tags.ts';
import type { WorkerConfig } from '../config.ts';
import type { JobContext, JobHandler } from '../runtime.ts';

/**
 * The autotag job (guide, step 5 "Auto-Tagging"): every kept image and confirmed crop of a finalized project
 * goes through both taggers (WD: anime tags; the e621 tagger: e621 tags), exactly as training will see it (crop
 * applied, uploaded replacement instead of the e621 file). The scores are merged with each post's own tags
 * under the project's thresholds and stored in one transaction; then the thread gets the fold proposals as vote
 * cards, outfit suggestions, the coverage report and the clean-up flags. Progress shows in one message, edited
 * every few seconds. Running it again re-tags and keeps the friends' edits and votes.
 */

/** Images sent to the taggers at once (each tagger batches inside). */
const CHUNK = 16;
const DEFAULT_STATUS_INTERVAL_MS = 3000;
/** Thumbnails on the clean-up sheet (the list names every flagged image). */
const MAX_FLAG_TILES = 40;

// ── the status message ───────────────────────────────────────────────────────────────────────────────────

interface StatusReporter {
  update(status: AutotagStatus): void;
  finish(status: AutotagStatus): Promise<void>;
}

/** One status message per job; a retried job edits the message its first attempt posted. */
function createStatusReporter(
  poster: DiscordPoster,
  channelId: string | null,
  context: JobContext,
  log: Logger,
  intervalMs: number,
): StatusReporter {
  if (channelId === null) return { update: () => undefined, finish: () => Promise.resolve() };
  const sendStatus = jobStatusMessage({ poster, channelId, job: context.job });
  const status: ThrottledStatus<AutotagStatus> = createThrottledStatus<AutotagStatus>({
    intervalMs,
    send: (state, messageId) => sendStatus(asRest(autotagStatusView(state)), messageId),
    onError: (error) => log.warn({ err: error }, 'could not update the autotag status message'),
  });
  return {
    update: (state) => status.update(state),
    finish: async (state) => {
      await status.finish(state);
    },
  };
}

// ── the job ──────────────────────────────────────────────────────────────────────────────────────────────

export interface AutotagJobDeps {
  db: Db;
  poster: DiscordPoster;
  log: Logger;
  /** DATA_DIR: the stored e621 images. */
  dataDir: string;
  taggers: TaggerPool;
  statusIntervalMs?: number | undefined;
}

export interface AutotagResult {
  projectId: number;
  images: number;
  /** Posts whose image could not be tagged (left out, named in the thread). */
  untaggable: number[];
  crops: number;
  proposals: number;
  doubtfulImages: number;
  cleanupFlags: number;
}

/** What one image's tagging run says, as stored evidence. */
function evidenceOf(
  source: DatasetSource,
  wd: TaggedImage | undefined,
  e621: TaggedImage | undefined,
): TagEvidence {
  const scored = (result: TaggedImage | undefined) =>
    (result?.tags ?? []).map((tag) => ({ tag: tag.tag, category: tag.category, score: tag.score }));
  return { post: postEvidence(source.postTags, source.kind), wd: scored(wd), e621: scored(e621) };
}

/** Why an image could not be tagged, in words fit for the thread (no server paths). */
function untaggableReason(error: unknown): string {
  if (isUserError(error)) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return hidePaths(message);
}

async function tagDataset(
  deps: AutotagJobDeps,
  project: ProjectRow,
  sources: readonly DatasetSource[],
  taggers: Record<TaggerKind, Tagger>,
  context: JobContext,
  report: (tagged: number) => void,
): Promise<{ tagged: TaggedImageInput[]; untaggable: Map<number, UntaggableImage> }> {
  const thresholds = await getTaggerSettings(deps.db, project.id);
  const vocabularies = { wd: taggers.wd.tags.vocabulary, e621: taggers.e621.tags.vocabulary };
  const scratch = await mkdtemp(join(tmpdir(), 'kiln-autotag-'));
  const tagged: TaggedImageInput[] = [];
  // One image's failure never fails the batch: it is named, and the rest are tagged (keyed by image, so a
  // crop of a broken file is one entry with its image).
  const untaggable = new Map<number, UntaggableImage>();
  const skip = (source: DatasetSource, error: unknown) => {
    if (!untaggable.has(source.candidateId)) {
      untaggable.set(source.candidateId, {
        candidateId: source.candidateId,
        postId: source.postId,
        reason: untaggableReason(error),
      });
    }
  };
  try {
    for (let start = 0; start < sources.length; start += CHUNK) {
      if (context.signal.aborted) throw new Error('the worker is shutting down; the job will be retried');
      const chunk = sources.slice(start, start + CHUNK);
      const inputs = await Promise.allSettled(
        chunk.map((source) => taggerInputPath(deps.db, deps.dataDir, source, scratch)),
      );
      const readable: Array<{ source: DatasetSource; path: string }> = [];
      inputs.forEach((input, i) => {
        const source = chunk[i]!;
        if (input.status === 'fulfilled') readable.push({ source, path: input.value });
        else skip(source, input.reason);
      });
      const paths = readable.map(({ path }) => path);
      // Scores down to the evidence floor, so thresholds can move later without tagging again.
      const [wd, e621] =
        paths.length === 0
          ? [[], []]
          : await Promise.all([
              taggers.wd.tag(paths, { threshold: EVIDENCE_FLOOR }),
              taggers.e621.tag(paths, { threshold: EVIDENCE_FLOOR }),
            ]);
      readable.forEach(({ source }, i) => {
        // The taggers report an unreadable image instead of failing their batch.
        const error = wd[i]?.error ?? e621[i]?.error;
        if (error !== undefined) {
          skip(source, new Error(`the taggers cannot read it (${error})`));
          return;
        }
        const evidence = evidenceOf(source, wd[i], e621[i]);
        tagged.push({
          source,
          evidence,
          known: knownTags(evidence, vocabularies),
          tags: mergeImageTags(evidence, thresholds),
        });
      });
      report(tagged.length);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return { tagged: tagged.filter(({ source }) => !untaggable.has(source.candidateId)), untaggable };
}

/** The tiles of the clean-up sheet: each flagged image as it will be trained. */
async function cleanupTiles(
  deps: AutotagJobDeps,
  flagged: ReadonlyArray<{ source: DatasetSource; label: string }>,
): Promise<SheetTile[]> {
  const tiles: SheetTile[] = [];
  for (const { source, label } of flagged) {
    const replacement = source.replaced ? await getReplacementData(deps.db, source.candidateId) : null;
    const input = await imageInput(deps.dataDir, source, replacement ? { data: replacement } : null);
    tiles.push({ input, crop: source.crop ?? undefined, label });
  }
  return tiles;
}

/** Posts the proposals, suggestions, coverage and clean-up flags; returns what the summary counts. */
async function postResults(
  deps: AutotagJobDeps,
  project: ProjectRow,
  channelId: string | null,
  sources: readonly DatasetSource[],
): Promise<Omit<AutotagResult, 'projectId' | 'images' | 'crops' | 'untaggable'> & { tags: number }> {
  const { db, poster } = deps;
  const tagging = await loadProjectTagging(db, project);
  const proposals = proposeFolds(tagging.images, {
    mainTag: project.mainTag,
    decisions: tagging.decisions,
  });
  await insertFoldProposals(db, project.id, proposals);
  // Every question without a card gets one: new proposals, and those a failed attempt stored but never posted.
  const unposted = (await listDecisions(db, project.id)).filter((decision) => decision.messageId === null);
  const suggestions = outfitSuggestionsOf(tagging);
  const coverage = coverageReport(tagging.images, { mainTag: project.mainTag, decisions: tagging.decisions });
  const flags = cleanupFlags(tagging.images);
  const doubtful = doubtfulList(tagging);
  if (channelId !== null) {
    await postFoldCards(db, poster, channelId, project.mainTag, unposted);
    if (suggestions.length > 0) {
      await poster.post(channelId, asRest(outfitSuggestionsView(project.id, project.mainTag, suggestions)));
    }
    await poster.post(channelId, asRest(coverageView(project.characterName, coverage)));
    if (flags.length > 0) {
      const byId = new Map(tagging.images.map((image) => [image.id, image]));
      const sourceByKey = new Map(sources.map((source) => [source.key, source]));
      const flagged = flags.slice(0, MAX_FLAG_TILES).flatMap((flag) => {
        const image = byId.get(Number(flag.id));
        const source = image
          ? sourceByKey.get(image.cropId === null ? `i${image.candidateId}` : `c${image.cropId}`)
          : undefined;
        return image && source ? [{ image, source, tags: flag.tags, label: imageLabel(image) }] : [];
      });
      const sheet = await renderContactSheet(await cleanupTiles(deps, flagged));
      await poster.post(
        channelId,
        asRest(
          cleanupFlagsView(
            flags.flatMap((flag) => {
              const image = byId.get(Number(flag.id));
              return image ? [{ label: imageLabel(image), tags: flag.tags }] : [];
            }),
            { name: 'needs-edit.png', data: sheet.png },
          ),
        ),
      );
    }
  }
  return {
    proposals: channelId === null ? 0 : unposted.length,
    doubtfulImages: doubtful.length,
    cleanupFlags: flags.length,
    tags: tagCounts(tagging.images).size,
  };
}

export function createAutotagHandler(deps: AutotagJobDeps): JobHandler<'autotag'> {
  return async (data, context) => {
    const { db, log } = deps;
    const project = await getProject(db, data.projectId);
    if (!project) throw new UserError('project-not-found', `Project ${data.projectId} no longer exists.`);
    const status: AutotagStatus = {
      projectId: project.id,
      characterName: project.characterName,
      phase: 'loading',
      tagged: 0,
      total: 0,
    };
    const reporter = createStatusReporter(
      deps.poster,
      project.threadId,
      context,
      context.log,
      deps.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
    );
    reporter.update(status);
    let loadedKinds: TaggerKind[] = [];
    try {
      if (project.datasetFrozenAt === null) {
        throw new UserError(
          'not-finalized',
          `The dataset of **${project.characterName}** is not finalized yet; press **Finalize** on the pruning board first.`,
        );
      }
      const sources = await loadDatasetSources(db, project);
      if (sources.length === 0) {
        throw new UserError('not-found', `**${project.characterName}** has no kept images to tag.`);
      }
      status.total = sources.length;
      status.thresholds = await getTaggerSettings(db, project.id);
      const [wd, e621] = await Promise.all([deps.taggers.get('wd'), deps.taggers.get('e621')]);
      loadedKinds = ['wd', 'e621'];
      status.phase = 'tagging';
      reporter.update(status);
      const { tagged, untaggable } = await tagDataset(
        deps,
        project,
        sources,
        { wd, e621 },
        context,
        (count) => {
          status.tagged = count;
          reporter.update({ ...status });
        },
      );
      loadedKinds = [];
      status.phase = 'saving';
      reporter.update({ ...status });
      await saveTaggedImages(db, project.id, tagged);
      const taggedSources = sources.filter((source) => !untaggable.has(source.candidateId));
      const results = await postResults(deps, project, project.threadId, taggedSources);
      const crops = taggedSources.filter((source) => source.cropId !== null).length;
      await reporter.finish({
        ...status,
        phase: 'done',
        summary: { images: taggedSources.length, crops, ...results, untaggable: untaggable.size },
      });
      if (untaggable.size > 0 && project.threadId !== null) {
        await deps.poster.post(
          project.threadId,
          asRest(untaggableImagesView(project.characterName, [...untaggable.values()])),
        );
      }
      log.info(
        { projectId: project.id, images: taggedSources.length, ...results, untaggable: untaggable.size },
        'autotag finished',
      );
      return {
        projectId: project.id,
        images: taggedSources.length,
        untaggable: [...untaggable.values()].map(({ postId }) => postId),
        crops,
        proposals: results.proposals,
        doubtfulImages: results.doubtfulImages,
        cleanupFlags: results.cleanupFlags,
      } satisfies AutotagResult;
    } catch (error) {
      // A session that failed mid-run (a crashed inference thread) is reloaded by the retry.
      if (!isUserError(error)) for (const kind of loadedKinds) await deps.taggers.discard(kind);
      await reporter.finish({
        ...status,
        phase: 'failed',
        error: isUserError(error)
          ? error.message
          : `${(error as Error).message}. Kiln retries a few times; if it keeps failing, the worker's log has the details.`,
      });
      throw error;
    }
  };
}

/** The autotag role's dependencies from the worker's configuration (DATA_DIR, MODELS_DIR). */
export function autotagDepsFromEnv(deps: {
  database: { db: Db };
  log: Logger;
  config: WorkerConfig;
  discord: DiscordPoster;
  statusIntervalMs?: number | undefined;
  taggers?: TaggerPool | undefined;
}): AutotagJobDeps {
  const config = { ...deps.config.runtime, ...deps.config.tagger };
  const log = deps.log.child({ role: 'autotag' });
  return {
    db: deps.database.db,
    poster: deps.discord,
    log,
    dataDir: config.DATA_DIR,
    taggers: deps.taggers ?? processTaggerPool(config.MODELS_DIR, log),
    statusIntervalMs: deps.statusIntervalMs,
  };
}
