import { access, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { buildCaption, DEFAULT_CAPTION_OPTIONS, type CaptionOptions } from '../core/captions/index.ts';
import { findDuplicates, type DedupeItem } from '../core/dedupe/index.ts';
import { UserError } from '../core/errors.ts';
import type { PostFacts } from '../core/query/post.ts';
import { SKIP_CODES } from '../core/query/plan.ts';
import type { ProjectQuery } from '../core/query/schema.ts';
import {
  assertWritable,
  createFolder,
  diskFullError,
  isDiskFull,
  partialPath,
  removeQuietly,
  removeStalePartials,
} from '../storage/disk.ts';
import { acquireImages, type AcquireResult, type AcquireTask, type StoredImage } from './acquire.ts';
import type { E621Client } from './client.ts';
import { collectCandidates } from './collect.ts';

/**
 * `kiln fetch` without a database: a folder of `<post id>.<ext>` images with `<post id>.txt` captions
 * (pika-compatible) and `manifest.json` listing what was taken and what was left out, with reasons.
 * The manifest is also the resume state: a second run downloads nothing it already has.
 */

export const MANIFEST_NAME = 'manifest.json';

const takenSchema = z.object({
  id: z.number().int(),
  rank: z.number().int(),
  md5: z.string(),
  ext: z.string(),
  file: z.string(),
  caption: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  imageMd5: z.string(),
  dhash: z.string(),
  score: z.number().int(),
  rating: z.string(),
});

const duplicateSchema = z.object({
  id: z.number().int(),
  md5: z.string(),
  ext: z.string(),
  duplicateOf: z.number().int(),
  kind: z.enum(['exact', 'near']),
  distance: z.number().int(),
  imageMd5: z.string(),
  dhash: z.string(),
  width: z.number().int(),
  height: z.number().int(),
});

const manifestSchema = z.object({
  version: z.literal(1),
  source: z.string(),
  updatedAt: z.string(),
  query: z.unknown(),
  caption: z.unknown(),
  counts: z.record(z.string(), z.number()),
  taken: z.array(takenSchema),
  skipped: z.array(z.object({ id: z.number().int(), code: z.enum(SKIP_CODES), reason: z.string() })),
  duplicates: z.array(duplicateSchema),
  warnings: z.array(z.string()),
});

export type FolderManifest = z.output<typeof manifestSchema>;
export type ManifestTaken = z.output<typeof takenSchema>;

export interface FolderCounts {
  /** Posts the query selected. */
  found: number;
  /** Posts finished so far (stored, cached or skipped). */
  done: number;
  downloaded: number;
  cached: number;
  resized: number;
  skipped: number;
  /** Of `skipped`: left out by the filters among the top ranks (not part of `found`). */
  skippedBeforeDownload: number;
  duplicates: number;
  kept: number;
}

export interface FetchToFolderOptions {
  client: E621Client;
  query: ProjectQuery;
  out: string;
  caption?: Partial<CaptionOptions>;
  downloadConcurrency?: number;
  processConcurrency?: number;
  maxInputPixels?: number;
  signal?: AbortSignal;
  onProgress?: (counts: FolderCounts, phase: 'searching' | 'downloading' | 'writing' | 'done') => void;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readManifest(out: string): Promise<FolderManifest | null> {
  const path = join(out, MANIFEST_NAME);
  if (!(await exists(path))) return null;
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    if (!parsed.success) return null;
    assertInsideFolder(out, parsed.data);
    return parsed.data;
  } catch (error) {
    if (error instanceof UserError) throw error;
    return null;
  }
}

/**
 * The manifest names files this run may remove: each must be a plain name inside the folder. A hand-edited or
 * planted manifest naming `../victim.png` is refused before anything is touched.
 */
function assertInsideFolder(out: string, manifest: FolderManifest): void {
  for (const [index, entry] of manifest.taken.entries()) {
    for (const field of ['file', 'caption'] as const) {
      const name = entry[field];
      if (dirname(resolve(out, name)) !== out) {
        throw new UserError(
          'invalid-option',
          `${join(out, MANIFEST_NAME)} names ${JSON.stringify(name)} (taken[${index}].${field}), which is not a file in ${out}; Kiln removes nothing outside the folder. Fix or delete manifest.json and run again.`,
        );
      }
    }
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const partial = partialPath(path);
  try {
    await writeFile(partial, text);
    await rename(partial, path);
  } catch (error) {
    await removeQuietly(partial);
    if (isDiskFull(error)) throw diskFullError(path, error);
    throw error;
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ENOENT: 'the path cannot be created there',
    EEXIST: 'a file of that name is in the way',
  };
  return (code && words[code]) ?? (error as Error).message;
}

/** Fetches a query into a folder; safe to run again (it continues, and takes nothing twice). */
export async function fetchToFolder(options: FetchToFolderOptions): Promise<FolderManifest> {
  const out = resolve(options.out);
  const caption: CaptionOptions = { ...DEFAULT_CAPTION_OPTIONS, ...options.caption };
  try {
    await createFolder(out);
  } catch (error) {
    if (isDiskFull(error)) throw diskFullError(out, error);
    throw new UserError(
      'invalid-option',
      `Cannot create the output folder ${out} (${describeFsError(error)}).`,
    );
  }
  try {
    await assertWritable(out);
  } catch (error) {
    if (isDiskFull(error)) throw diskFullError(out, error);
    throw new UserError(
      'invalid-option',
      `Cannot write into the output folder ${out} (${describeFsError(error)}). Pick another --out.`,
    );
  }
  const previous = await readManifest(out);
  // Partial downloads of a run that was killed (SIGTERM, SIGKILL) are never resumed from: remove them.
  await removeStalePartials(out);
  const counts: FolderCounts = {
    found: 0,
    done: 0,
    downloaded: 0,
    cached: 0,
    resized: 0,
    skipped: 0,
    skippedBeforeDownload: 0,
    duplicates: 0,
    kept: 0,
  };
  const progress = (phase: Parameters<NonNullable<FetchToFolderOptions['onProgress']>>[1]): void =>
    options.onProgress?.({ ...counts }, phase);

  progress('searching');
  const collected = await collectCandidates(options.client, options.query, {
    signal: options.signal,
    onPage: () => progress('searching'),
  });
  const taken = collected.selection.taken;
  counts.found = taken.length;
  const skipped: FolderManifest['skipped'] = collected.selection.skipped.map((s) => ({
    id: s.post.id,
    code: s.code,
    reason: s.reason,
  }));
  counts.skipped = skipped.length;
  // The first `skippedBeforeDownload` entries of `skipped` are the filters' (never downloaded, not taken).
  counts.skippedBeforeDownload = skipped.length;

  const previousTaken = new Map((previous?.taken ?? []).map((entry) => [entry.id, entry]));
  const previousDuplicates = new Map((previous?.duplicates ?? []).map((entry) => [entry.id, entry]));
  const fileOf = (post: PostFacts): string => `${post.id}.${post.ext}`;

  // Known duplicates of an earlier run are not downloaded again: their hash is all dedupe needs.
  const knownDuplicates = new Map<number, StoredImage & { post: PostFacts }>();
  const tasks: AcquireTask[] = [];
  for (const { post } of taken) {
    const before = previousTaken.get(post.id);
    const duplicate = previousDuplicates.get(post.id);
    if (duplicate && duplicate.md5 === post.md5) {
      knownDuplicates.set(post.id, {
        post,
        path: join(out, fileOf(post)),
        width: duplicate.width,
        height: duplicate.height,
        md5: duplicate.imageMd5,
        dhash: duplicate.dhash,
      });
      continue;
    }
    tasks.push({
      post,
      destination: join(out, fileOf(post)),
      known:
        before && before.md5 === post.md5 && before.file === fileOf(post)
          ? { width: before.width, height: before.height, md5: before.imageMd5, dhash: before.dhash }
          : null,
    });
  }

  progress('downloading');
  const stored = new Map<number, StoredImage & { post: PostFacts }>();
  const onResult = (result: AcquireResult): void => {
    counts.done += 1;
    if (result.status === 'stored') {
      stored.set(result.post.id, { post: result.post, ...result.image });
      if (result.source === 'cached') counts.cached += 1;
      else counts.resized += 1;
    } else {
      counts.skipped += 1;
      skipped.push({ id: result.post.id, code: result.code, reason: result.reason });
    }
    progress('downloading');
  };
  const acquireOptions = {
    client: options.client,
    maxShortSide: options.query.maxShortSide,
    maxInputPixels: options.maxInputPixels,
    downloadConcurrency: options.downloadConcurrency,
    processConcurrency: options.processConcurrency,
    signal: options.signal,
    onEvent: (event: Parameters<NonNullable<Parameters<typeof acquireImages>[1]['onEvent']>>[0]) => {
      if (event.kind === 'downloaded') {
        counts.downloaded += 1;
        progress('downloading');
      } else onResult(event.result);
    },
  };
  await acquireImages(tasks, acquireOptions);

  const dedupeItems: DedupeItem[] = [...stored.values(), ...knownDuplicates.values()].map((image) => ({
    postId: image.post.id,
    md5: image.post.md5,
    imageMd5: image.md5,
    dhash: image.dhash,
    score: image.post.score,
    width: image.post.width,
    height: image.post.height,
  }));
  const decisions = findDuplicates(dedupeItems);
  const duplicateIds = new Set(decisions.map((decision) => decision.postId));

  // A former duplicate whose better copy left the selection is a keeper now: fetch it after all.
  const promoted = [...knownDuplicates.values()].filter((image) => !duplicateIds.has(image.post.id));
  counts.done += knownDuplicates.size - promoted.length;
  if (promoted.length > 0) {
    await acquireImages(
      promoted.map((image) => ({ post: image.post, destination: image.path })),
      acquireOptions,
    );
  }

  progress('writing');
  const rankOf = new Map(taken.map((ranked) => [ranked.post.id, ranked.rank]));
  const manifestTaken: ManifestTaken[] = [];
  const duplicates: FolderManifest['duplicates'] = [];
  const allImages = new Map([...knownDuplicates, ...stored]);
  for (const decision of decisions) {
    const image = allImages.get(decision.postId);
    if (image === undefined) continue;
    duplicates.push({
      id: decision.postId,
      md5: image.post.md5,
      ext: image.post.ext,
      duplicateOf: decision.duplicateOf,
      kind: decision.kind,
      distance: decision.distance,
      imageMd5: image.md5,
      dhash: image.dhash,
      width: image.width,
      height: image.height,
    });
    await removeQuietly(join(out, fileOf(image.post)));
    await removeQuietly(join(out, `${image.post.id}.txt`));
  }
  for (const image of stored.values()) {
    if (duplicateIds.has(image.post.id)) continue;
    const captionFile = `${image.post.id}.txt`;
    await writeAtomically(join(out, captionFile), `${buildCaption(image.post, caption)}\n`);
    manifestTaken.push({
      id: image.post.id,
      rank: rankOf.get(image.post.id) ?? 0,
      md5: image.post.md5,
      ext: image.post.ext,
      file: fileOf(image.post),
      caption: captionFile,
      width: image.width,
      height: image.height,
      imageMd5: image.md5,
      dhash: image.dhash,
      score: image.post.score,
      rating: image.post.rating,
    });
  }
  manifestTaken.sort((a, b) => a.rank - b.rank);
  counts.duplicates = duplicates.length;
  counts.kept = manifestTaken.length;

  // Files an earlier run wrote for posts the query no longer takes would leak into training: remove them.
  const keptIds = new Set(manifestTaken.map((entry) => entry.id));
  for (const entry of previous?.taken ?? []) {
    if (keptIds.has(entry.id)) continue;
    await rm(join(out, entry.file), { force: true });
    await rm(join(out, entry.caption), { force: true });
  }
  for (const entry of skipped) await removeQuietly(join(out, `${entry.id}.txt`));

  const manifest: FolderManifest = {
    version: 1,
    source: options.client.baseUrl,
    updatedAt: new Date().toISOString(),
    query: options.query,
    caption,
    counts: { ...counts },
    taken: manifestTaken,
    skipped,
    duplicates,
    warnings: collected.warnings,
  };
  await writeAtomically(join(out, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  await removeStalePartials(out);
  progress('done');
  return manifest;
}
