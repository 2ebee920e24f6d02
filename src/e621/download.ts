import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { request, type Dispatcher } from 'undici';
import { diskFullError, isDiskFull, removeQuietly } from '../storage/disk.ts';
import { backoffDelay, isTransientNetworkError, type RetryOptions } from './client.ts';

/**
 * Downloads one e621 file, streamed to disk while its md5 is computed, with retries and backoff on
 * 5xx, 503, timeouts, dropped connections and truncated or altered bodies. Static files are not API
 * calls, so they are bounded by concurrency rather than the 1 request/s pacer.
 */

export type DownloadFailureCode = 'download-failed' | 'md5-mismatch' | 'truncated';

/** A download that failed for good, with the per-file reason a summary shows. */
export class DownloadFailed extends Error {
  constructor(
    readonly code: DownloadFailureCode,
    message: string,
  ) {
    super(message);
    this.name = 'DownloadFailed';
  }
}

class Retryable extends Error {
  constructor(
    readonly code: DownloadFailureCode,
    message: string,
  ) {
    super(message);
  }
}

export interface DownloadOptions {
  userAgent: string;
  expectedMd5: string;
  /** Size e621 reports; 0 when unknown. */
  expectedSize?: number;
  retry: RetryOptions;
  timeoutMs: number;
  dispatcher?: Dispatcher | undefined;
  signal?: AbortSignal | undefined;
  /** Opens the file to write (tests replace it to simulate a full disk). */
  openWrite?: ((path: string) => Writable) | undefined;
}

export interface Downloaded {
  bytes: number;
  md5: string;
}

/** Downloads `url` into `path` (a temporary name: the caller renames it once processed). */
export async function downloadFile(url: string, path: string, options: DownloadOptions): Promise<Downloaded> {
  const { retry, signal } = options;
  let last: Retryable | null = null;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    if (attempt > 1)
      await sleep(backoffDelay(attempt - 1, retry), undefined, signal ? { signal } : undefined);
    try {
      return await attemptDownload(url, path, options);
    } catch (error) {
      await removeQuietly(path);
      if (signal?.aborted) throw signal.reason ?? error;
      if (isDiskFull(error)) throw diskFullError(path, error);
      if (error instanceof Retryable) last = error;
      else if (isTransientNetworkError(error)) {
        const message = (error as Error).message;
        last = /closed|terminated|premature|aborted/i.test(message)
          ? new Retryable('truncated', `connection closed before the end of the file (${message})`)
          : new Retryable('download-failed', message);
      } else if (error instanceof DownloadFailed) throw error;
      else throw error;
    }
  }
  const final = last ?? new Retryable('download-failed', 'unknown failure');
  throw new DownloadFailed(final.code, `${final.message} (after ${retry.attempts} tries)`);
}

async function attemptDownload(url: string, path: string, options: DownloadOptions): Promise<Downloaded> {
  const response = await request(url, {
    method: 'GET',
    headers: { 'user-agent': options.userAgent },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
  });
  const status = response.statusCode;
  if (status !== 200) {
    await response.body.dump().catch(() => undefined);
    if (status === 429 || status >= 500) throw new Retryable('download-failed', `HTTP ${status}`);
    throw new DownloadFailed('download-failed', `HTTP ${status}`);
  }
  const contentType = String(response.headers['content-type'] ?? '');
  if (contentType.includes('text/html')) {
    await response.body.dump().catch(() => undefined);
    throw new Retryable('download-failed', 'an HTML page instead of the file');
  }
  const declared = Number(response.headers['content-length'] ?? NaN);
  const hash = createHash('md5');
  let bytes = 0;
  const out = options.openWrite ? options.openWrite(path) : createWriteStream(path);
  await pipeline(
    response.body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        bytes += chunk.length;
        yield chunk;
      }
    },
    out,
  );
  const md5 = hash.digest('hex');
  const expectedSize = options.expectedSize ?? 0;
  if ((Number.isFinite(declared) && bytes < declared) || (expectedSize > 0 && bytes < expectedSize)) {
    throw new Retryable(
      'truncated',
      `got ${bytes} of ${Number.isFinite(declared) ? declared : expectedSize} bytes`,
    );
  }
  if (md5 !== options.expectedMd5) {
    throw new Retryable('md5-mismatch', `md5 ${md5} does not match e621's ${options.expectedMd5}`);
  }
  return { bytes, md5 };
}
