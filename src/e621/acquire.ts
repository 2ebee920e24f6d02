import { availableParallelism } from 'node:os';
import { access, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import pLimit from 'p-limit';
import { isUserError } from '../core/errors.ts';
import type { PostFacts } from '../core/query/post.ts';
import type { SkipCode } from '../core/query/plan.ts';
import { FILE_TYPES } from '../core/query/schema.ts';
import { partialPath, removeQuietly } from '../storage/disk.ts';
import { describeImage, ImageRejected, processImage, DEFAULT_MAX_INPUT_PIXELS } from '../storage/images.ts';
import type { E621Client } from './client.ts';
import { DownloadFailed, downloadFile } from './download.ts';

/**
 * Brings posts' images to disk: skips what is already there, downloads the rest with bounded
 * concurrency, resizes and hashes each one. Shared by the fetch job (image cache under DATA_DIR) and
 * `kiln fetch` (a plain folder).
 */

/** Four parallel downloads: fast enough, and gentle on e621's file servers. */
export const DEFAULT_DOWNLOAD_CONCURRENCY = 4;

export interface StoredImage {
  /** Absolute path of the stored (resized) file. */
  path: string;
  width: number;
  height: number;
  /** md5 of the stored file. */
  md5: string;
  dhash: string;
}

export interface AcquireTask {
  post: PostFacts;
  /** Final path of the stored image. Its existence means the post is done (files land by atomic rename). */
  destination: string;
  /** What an earlier run recorded about the stored file, to avoid hashing it again. */
  known?: Omit<StoredImage, 'path'> | null | undefined;
}

export type AcquireResult =
  | {
      post: PostFacts;
      status: 'stored';
      image: StoredImage;
      source: 'downloaded' | 'cached';
      resized: boolean;
    }
  | { post: PostFacts; status: 'skipped'; code: SkipCode; reason: string };

export type AcquireEvent =
  { kind: 'downloaded'; post: PostFacts; bytes: number } | { kind: 'finished'; result: AcquireResult };

export interface AcquireOptions {
  client: Pick<E621Client, 'userAgent' | 'dispatcher' | 'retry' | 'timeoutMs' | 'loggedIn'>;
  maxShortSide: number;
  maxInputPixels?: number | undefined;
  downloadConcurrency?: number | undefined;
  /**
   * Images resized at once: one more than the cores, because each image also spends part of its time
   * reading and writing files, during which another can use the core (measured in bench/acquire).
   */
  processConcurrency?: number | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: ((event: AcquireEvent) => void | Promise<void>) | undefined;
  /** Test hook: opens download files (to simulate a full disk). */
  openWrite?: ((path: string) => Writable) | undefined;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/**
 * Acquires every task's image. Per-post problems become `skipped` results with a reason; a full disk
 * stops everything (partial files removed) with a UserError('disk-full').
 */
export async function acquireImages(
  tasks: readonly AcquireTask[],
  options: AcquireOptions,
): Promise<AcquireResult[]> {
  const downloads = pLimit(options.downloadConcurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY);
  const processing = pLimit(options.processConcurrency ?? availableParallelism() + 1);
  // At most this many posts in flight, so temporary files never pile up ahead of the resizer.
  const inFlight = pLimit(downloads.concurrency + processing.concurrency);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const maxInputPixels = options.maxInputPixels ?? DEFAULT_MAX_INPUT_PIXELS;
  const createdDirectories = new Set<string>();

  const acquireOne = async (task: AcquireTask): Promise<AcquireResult> => {
    const { post, destination } = task;
    if (await exists(destination)) {
      const known = task.known ?? (await describeImage(destination).catch(() => null));
      if (known !== null) {
        return {
          post,
          status: 'stored',
          source: 'cached',
          resized: false,
          image: {
            path: destination,
            width: known.width,
            height: known.height,
            md5: known.md5,
            dhash: known.dhash,
          },
        };
      }
      // An unreadable leftover: fetch it again.
      await removeQuietly(destination);
    }
    if (post.fileUrl === null) {
      return options.client.loggedIn
        ? {
            post,
            status: 'skipped',
            code: 'file-unavailable',
            reason: 'file unavailable (deleted or hidden)',
          }
        : { post, status: 'skipped', code: 'login-required', reason: 'login required' };
    }
    if (!(FILE_TYPES as readonly string[]).includes(post.ext)) {
      return { post, status: 'skipped', code: 'file-type', reason: `file type ${post.ext}` };
    }
    const directory = dirname(destination);
    if (!createdDirectories.has(directory)) {
      await mkdir(directory, { recursive: true });
      createdDirectories.add(directory);
    }
    const partial = partialPath(destination);
    try {
      let downloaded;
      try {
        downloaded = await downloads(() =>
          downloadFile(post.fileUrl as string, partial, {
            userAgent: options.client.userAgent,
            dispatcher: options.client.dispatcher,
            retry: options.client.retry,
            timeoutMs: options.client.timeoutMs,
            expectedMd5: post.md5,
            expectedSize: post.size,
            signal,
            openWrite: options.openWrite,
          }),
        );
      } catch (error) {
        if (error instanceof DownloadFailed)
          return { post, status: 'skipped', code: error.code, reason: error.message };
        throw error;
      }
      await options.onEvent?.({ kind: 'downloaded', post, bytes: downloaded.bytes });
      signal.throwIfAborted();
      try {
        const image = await processing(() =>
          processImage(partial, destination, {
            maxShortSide: options.maxShortSide,
            maxInputPixels,
            inputMd5: downloaded.md5,
          }),
        );
        return {
          post,
          status: 'stored',
          source: 'downloaded',
          resized: image.resized,
          image: {
            path: destination,
            width: image.width,
            height: image.height,
            md5: image.md5,
            dhash: image.dhash,
          },
        };
      } catch (error) {
        if (error instanceof ImageRejected)
          return { post, status: 'skipped', code: error.code, reason: error.message };
        throw error;
      }
    } finally {
      await removeQuietly(partial);
    }
  };

  const settled = await Promise.allSettled(
    tasks.map((task) =>
      inFlight(async () => {
        signal.throwIfAborted();
        try {
          const result = await acquireOne(task);
          await options.onEvent?.({ kind: 'finished', result });
          return result;
        } catch (error) {
          // One fatal problem (a full disk, a cancelled job) stops the others.
          stop.abort(error);
          throw error;
        }
      }),
    ),
  );
  const failures = settled.filter(
    (outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected',
  );
  if (failures.length > 0) {
    const reasons = failures.map((failure) => failure.reason as unknown);
    // Report the cause, not the "aborted" echoes of the tasks it stopped.
    throw reasons.find((reason) => isUserError(reason)) ?? stop.signal.reason ?? reasons[0];
  }
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<AcquireResult>).value);
}
